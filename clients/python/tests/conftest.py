import os
import socket

import pytest


@pytest.fixture
def unreachable():
    """A loopback address nothing listens on: a broker that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"127.0.0.1:{port}"


@pytest.fixture
def broker():
    """The Kafka broker of DRIFTMON_KAFKA_ADDR. Without it the test skips,
    or fails under DRIFTMON_REQUIRE_INTEGRATION (as scripts/test.sh runs)."""
    addr = os.environ.get("DRIFTMON_KAFKA_ADDR")
    if not addr:
        msg = "DRIFTMON_KAFKA_ADDR not set: this test needs a Kafka broker (scripts/test.sh provides it)"
        if os.environ.get("DRIFTMON_REQUIRE_INTEGRATION"):
            pytest.fail(msg)
        pytest.skip(msg)
    return addr
