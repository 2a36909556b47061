"""Prints the kernel microbenchmarks' words/s and GFLOP/s as one table at the end
(pytest-benchmark's own table shows times only)."""
import pytest

_ROWS_KEY = pytest.StashKey[list]()


def pytest_configure(config):
    config.stash[_ROWS_KEY] = []


@pytest.fixture
def kernel_report(request):
    """A list the kernel benchmarks append their result rows (dicts) to."""
    return request.config.stash[_ROWS_KEY]


def pytest_terminal_summary(terminalreporter, config):
    rows = config.stash.get(_ROWS_KEY, [])
    if not rows:
        return
    tr = terminalreporter
    tr.section("kernel throughput (one thread)")
    tr.write_line(f"practical peak (1024^3 sgemm, one thread): {rows[0]['peak']:.1f} GFLOP/s; "
                  f"kernels built for {rows[0]['isa']}")
    tr.write_line(f"{'kernel':<18}{'dim':>5}{'words/s':>12}{'GFLOP/s':>10}{'% peak':>8}")
    for r in sorted(rows, key=lambda r: (r["dim"], r["case"])):
        tr.write_line(f"{r['case']:<18}{r['dim']:>5}{r['wps']:>12,}{r['gflops']:>10.2f}"
                      f"{r['pct']:>8.1f}")
