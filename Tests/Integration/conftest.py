"""Fixtures shared by the integration tests."""

import pytest

import cluster_harness as h


@pytest.fixture
def make_cluster():
    """Makes clusters (moto, the stream proxy, daemons) and closes them after the test."""
    made = []

    def make(*proxy_args: str, moto_script: str | None = None) -> h.Cluster:
        made.append(h.Cluster(*proxy_args, moto_script=moto_script))
        return made[-1]

    yield make
    for cluster in made:
        cluster.close()
