"""Expert pool and third-party institution pool (专家库 / 第三方评估机构库): R-POOL-*, R-DUTY-1..2, R-REC-4."""
