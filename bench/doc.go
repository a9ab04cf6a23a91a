// Package bench holds narwhal's black-box load benchmarks: programs that
// start real servers as separate processes on loopback, drive them with wrk,
// and report narwhal's figures next to its peers' from the same run, so the
// ratio survives a noisy shared machine.
//
// Two kinds live here. The Benchmark* functions each compare narwhal with
// one peer on one scenario (BENCH_DURATION per wrk run, default 5s).
// TestMatrix, which runs only with -matrix=quick or -matrix=full, is the
// side-by-side matrix of issue 8: narwhal's worker classes, gunicorn,
// uWSGI, waitress and a Go net/http ceiling (bench/ceiling), 2 workers
// each, on the example apps of Apps under the loads of each App; it writes
// JSON, Markdown and PNG charts to bench/results. README.md says how to
// run both. Everything only targets 127.0.0.1 and every server is killed,
// with its whole process group, before the run ends.
package bench
