"""The backfill's HTTP client on hostile answers: a redirect into a refused address is not
followed, and an answer larger than its limit is not read into memory."""

from __future__ import annotations

from presswatch.archives.pages import PageRef, PoliteClient, fetch_pages
from presswatch.demo.loopback import OutletServers, RequestRecord, Response


class Bouncer:
    """"public" redirects to "internal"; "internal" answers a secret; "public" /big is large."""

    gzip = False

    def __init__(self) -> None:
        self.servers = OutletServers(self)
        self.requests: list[RequestRecord] = []

    def record(self, entry: RequestRecord) -> None:
        self.requests.append(entry)

    def respond(self, outlet: str, target: str) -> Response:
        if outlet == "internal":
            return Response(200, b"<html><body>secret</body></html>")
        if target == "/big":
            return Response(200, b"x" * 5000)
        location = self.servers.bases["internal"] + "/secret"
        return Response(302, b"", "text/plain", headers={"Location": location})


def _client(**kwargs) -> PoliteClient:
    return PoliteClient(user_agent="presswatch-test", delay_s=0.0, backoff_s=0.01, **kwargs)


def test_a_redirect_into_a_refused_address_is_not_followed():
    site = Bouncer()
    site.servers.start(["public", "internal"])
    try:
        internal = site.servers.bases["internal"]

        def refused(url: str) -> str | None:
            return "internal address" if url.startswith(internal) else None

        page = PageRef(site.servers.bases["public"] + "/story", "https://news.example/story")
        assert list(fetch_pages(_client(), [page], "urls", refused)) == []
        assert [r.outlet for r in site.requests] == ["public"]  # the secret was never asked
        # without a refusal the same redirect is followed: the guard, not the client, stopped it
        followed = list(fetch_pages(_client(), [page], "urls", lambda url: None))
        assert [p.body for p in followed] == [b"<html><body>secret</body></html>"]
    finally:
        site.servers.stop()


def test_an_answer_over_the_size_limit_is_refused_unread():
    site = Bouncer()
    site.servers.start(["public", "internal"])
    try:
        url = site.servers.bases["public"] + "/big"
        assert _client(max_bytes=1000).get(url).status == 413
        assert _client(max_bytes=10_000).get(url).body == b"x" * 5000
    finally:
        site.servers.stop()
