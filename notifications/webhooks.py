"""Where a webhook may point (issue 12): http(s) only, never at the service's own network.

A drafting unit's endpoint is a URL the service will POST to, so a careless or hostile one could make
the service call its own loopback, the cloud's metadata address (169.254.169.254) or the intranet
behind it. A URL is accepted only when every address its host resolves to is public, unless the
operator names the host (or its network) in ``WEBHOOK_ALLOW_HOSTS`` (comma-separated host names, IP
addresses or networks: ``127.0.0.1,localhost,10.8.0.0/16``). The check is made when the endpoint is
registered and again at each delivery (DNS can change); delivery then connects to the very address
that was checked, so a name cannot resolve to a public address for the check and a private one for
the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_ENDPOINTS_PER_UNIT = 5
RESOLVE_TIMEOUT = 5.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(Exception):
    """The URL may not be called; ``reason`` says why, in Chinese. ``transient`` when DNS failed to answer."""

    def __init__(self, reason: str, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True)
class Target:
    """A checked URL: its host as written and the address the request must go to."""

    url: str
    host: str
    address: str


def allowed_hosts() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    """``WEBHOOK_ALLOW_HOSTS``, read at each check (names lower-cased; networks parsed)."""
    names: set[str] = set()
    networks = []
    for entry in os.environ.get("WEBHOOK_ALLOW_HOSTS", "").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return names, networks


def address_problem(address: IPAddress) -> str | None:
    """Why an address may not be called (loopback, link-local, private, reserved...), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.is_loopback:
        return "本机回环地址"
    if address.is_link_local:
        return "链路本地地址（含云平台元数据地址）"
    if address.is_private:
        return "内网（私有）地址"
    if address.is_multicast:
        return "组播地址"
    if address.is_reserved or address.is_unspecified or not address.is_global:
        return "保留或非公网地址"
    return None


def parse(url: str) -> tuple[str, str]:
    """The scheme and host of an http(s) URL, or UrlRefused."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError as exc:
        raise UrlRefused(f"URL 格式不正确：{exc}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise UrlRefused("只接受 http 或 https 地址")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UrlRefused("URL 缺少主机名")
    return parts.scheme.lower(), host


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host name stands for (an IP literal stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT)
    except (TimeoutError, OSError, UnicodeError, ValueError) as exc:
        raise UrlRefused(f"无法解析主机名 {host}：{exc}", transient=True) from exc
    addresses = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    if not addresses:
        raise UrlRefused(f"无法解析主机名 {host}", transient=True)
    return addresses


async def check_url(url: str) -> Target:
    """The URL and the checked address to connect to; UrlRefused when it may not be called."""
    scheme, host = parse(url)
    port = urlsplit(url).port or (443 if scheme == "https" else 80)
    names, networks = allowed_hosts()
    addresses = await resolve(host, port)
    if host.lower() not in names:
        for address in addresses:
            if any(address in network for network in networks if network.version == address.version):
                continue
            if problem := address_problem(address):
                raise UrlRefused(f"不允许向{problem} {address} 发送通知；"
                                 "如确需使用，请由系统管理员在 WEBHOOK_ALLOW_HOSTS 中登记该主机")
    return Target(url, host, str(addresses[0]))
