"""Panel requests, eligibility, balanced selection, invitations (issue 4)."""
