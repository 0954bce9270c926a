"""Rules for commands that can cut the machine off: stopping the services remote access runs on
(the SSH server, the network stack), taking interfaces or routes down, and closing the firewall.

A service is judged by what it is for, not by name alone: the units below are the ones a remote
session depends on; stopping a web server or a database is an outage, not a lock-out, and is left to
the user. Restarting or reloading is harmless (sshd keeps open sessions across a restart).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from codegen.safety.words import Arg, parse_options, program_name

if TYPE_CHECKING:
    from codegen.safety.rules import Checker

# The SSH servers, the network managers and the remote-desktop/VPN daemons a session may run over.
_REMOTE_ACCESS = re.compile(
    r"(open)?sshd?|ssh\.socket|dropbear|networking|network|NetworkManager|systemd-networkd|"
    r"systemd-resolved|wicked|connman|netplan.*|ifup@.*|dhcpcd|dhclient|wpa_supplicant|"
    r"tailscaled|zerotier-one|wg-quick@.*|openvpn(@.*)?|xrdp|vncserver.*|teamviewerd"
)
_STOPPING = frozenset({"stop", "disable", "mask", "kill", "force-stop"})
_HARMLESS_TARGETS = frozenset({"multi-user.target", "graphical.target", "default.target"})


def remote_access_unit(name: str) -> bool:
    unit = program_name(name).removesuffix(".service")
    return _REMOTE_ACCESS.fullmatch(unit) is not None


def systemctl_units(an: Checker, args: list[Arg], where: str) -> None:
    """systemctl stop/disable/mask/kill of a unit remote access needs; isolating a rescue target."""
    opts = parse_options(args, ("-H", "--host", "-M", "--machine", "-t", "--type", "-s", "--signal"))
    words = [a.text for a in opts.operands]
    if not words:
        return
    verb, units = words[0], words[1:]
    if verb in _STOPPING and any(remote_access_unit(u) for u in units):
        an.flag(where, f"systemctl {verb} stops a service remote access depends on")
    elif verb == "isolate" and units and not set(units) <= _HARMLESS_TARGETS:
        an.flag(where, f"systemctl isolate {units[0]} stops every service the target does not need")


def service(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    """service UNIT stop, invoke-rc.d UNIT stop, rc-service UNIT stop."""
    words = [a.text for a in args if not a.text.startswith("-")]
    if len(words) >= 2 and words[1] in _STOPPING and remote_access_unit(words[0]):
        an.flag(where, f"stops {words[0]}, which remote access depends on")


def init_script(an: Checker, script: str, args: list[Arg], where: str) -> None:
    """/etc/init.d/UNIT stop."""
    if args and args[0].text in _STOPPING and remote_access_unit(script):
        an.flag(where, f"stops {program_name(script)}, which remote access depends on")


def boot_links(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    """update-rc.d UNIT disable|remove, chkconfig UNIT off, rc-update del UNIT."""
    words = [a.text for a in args if not a.text.startswith("-")]
    if any(remote_access_unit(w) for w in words) and set(words) & {
        "disable",
        "remove",
        "off",
        "del",
        "delete",
    }:
        an.flag(where, "keeps a service remote access depends on from starting at boot")


def kill_by_name(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    """pkill/killall of the SSH server or the network manager."""
    opts = parse_options(args, ("-s", "--signal", "-u", "-U", "-g", "-G", "-P", "-t", "-n", "-o", "-F"))
    if any(remote_access_unit(w.text) or re.search(r"\bsshd\b", w.text) for w in opts.operands):
        an.flag(where, "kills a daemon remote access depends on")


def ip(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    """ip link set DEV down, ip addr flush, ip route del/flush of the default route, ip link delete."""
    words = [a.text for a in args if not a.text.startswith("-")]
    if len(words) < 2:
        return
    obj, action, rest = words[0], words[1], words[2:]
    loopback = "lo" in rest
    if obj in ("link", "l") and action == "set" and "down" in rest and not loopback:
        an.flag(where, "takes a network interface down")
    elif obj in ("link", "l") and action in ("delete", "del") and not loopback:
        an.flag(where, "deletes a network interface")
    elif obj in ("addr", "address", "a") and action in ("flush", "f") and not loopback:
        an.flag(where, "removes the addresses of a network interface")
    elif obj in ("route", "r", "ro") and (
        action == "flush" or (action in ("del", "delete") and ("default" in rest or "0.0.0.0/0" in rest))
    ):
        an.flag(where, "removes the default route")


def ifdown(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    if any(a.text != "lo" and not a.text.startswith("-") for a in args) or any(
        a.text in ("-a", "--all") for a in args
    ):
        an.flag(where, "takes a network interface down")


def ifconfig(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    words = [a.text for a in args]
    if "down" in words and words[:1] != ["lo"]:
        an.flag(where, "takes a network interface down")


def nmcli(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    words = [a.text for a in args if not a.text.startswith("-")]
    pairs = {tuple(words[i : i + 2]) for i in range(len(words) - 1)}
    cuts = {
        ("networking", "off"),
        ("connection", "down"),
        ("con", "down"),
        ("c", "down"),
        ("device", "disconnect"),
        ("dev", "disconnect"),
        ("d", "disconnect"),
        ("radio", "off"),
    }
    if pairs & cuts or (words[:1] == ["radio"] and "off" in words):
        an.flag(where, "disconnects the machine from its network")


def ufw(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    words = [a.text for a in args if not a.text.startswith("-")]
    if words[:1] in (["disable"], ["reset"]):
        an.flag(where, "disables or resets the firewall")
    elif words[:1] == ["enable"]:
        an.flag(where, "enables the firewall, which can cut existing SSH sessions without an allow rule")
    elif words[:1] == ["default"] and set(words) & {"deny", "reject"} and "outgoing" not in words:
        an.flag(where, "makes the firewall drop incoming connections by default (can lock you out)")


def firewall_cmd(an: Checker, args: list[Arg], where: str, depth: int) -> None:
    if any(a.text == "--panic-on" for a in args):
        an.flag(where, "firewall panic mode drops all traffic, remote sessions included")
