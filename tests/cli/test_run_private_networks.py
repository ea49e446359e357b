"""`presswatch run --allow-private-network` (issue 26 item 4): the same meaning and checks as
`story check` and `backfill` give it. A named private network reaches the crawl's address
policy and its Scrapy settings; link-local is never allowed, and a bad value is refused with
exit 2 before anything is written."""

from __future__ import annotations

import ipaddress

import pytest

from presswatch.cli.main import build_parser, checked_settings, main
from presswatch.spiders.job import CrawlJob, job_settings


@pytest.mark.parametrize(("network", "expected"), [
    ("169.254.0.0/16", "link-local addresses (169.254.0.0/16, fe80::/10), which are never"),
    ("169.254.169.254/32", "link-local addresses"),
    ("0.0.0.0/0", "link-local addresses"),
    ("fe80::/64", "link-local addresses"),
    ("ten.0.0.0/8", "not an IP network such as 10.0.0.0/8"),
])
def test_run_refuses_a_network_it_must_never_allow_with_exit_2(tmp_path, capsys, network,
                                                               expected):
    db = tmp_path / "w.duckdb"
    code = main(["run", "--db", str(db), "--allow-private-network", "10.0.0.0/8",
                 "--allow-private-network", network])
    assert code == 2
    err = capsys.readouterr().err
    assert f"--allow-private-network {network!r}" in err and expected in err
    assert list(tmp_path.iterdir()) == []  # nothing written: no warehouse, no staging


def test_run_allows_the_named_networks_only_and_hands_them_to_the_crawl(tmp_path):
    args = build_parser().parse_args([
        "run", "--db", str(tmp_path / "w.duckdb"),
        "--allow-private-network", "10.20.0.0/16", "--allow-private-network", "fd00::/8"])
    settings, _ = checked_settings(args)
    story = settings.story()
    policy = story.crawl.address_policy()

    def refused(address: str) -> bool:
        return policy.refusal(ipaddress.ip_address(address)) is not None

    assert not refused("10.20.3.4") and not refused("fd00::1")
    assert refused("10.21.0.1") and refused("192.168.1.1")  # only what was named
    assert refused("127.0.0.1")  # loopback is --allow-private-hosts' to allow
    assert refused("169.254.169.254")
    scrapy_settings = job_settings(CrawlJob.for_story(story), tmp_path)
    assert {"10.20.0.0/16", "fd00::/8"} <= set(scrapy_settings["PRESSWATCH_TRUSTED_NETWORKS"])
