// Package bench holds narwhal's black-box load benchmarks: Go Benchmark*
// functions that start real servers as separate processes on loopback, drive
// them with wrk, and report requests per second for narwhal and its peer from
// the same run, so the ratio survives a noisy shared machine.
//
// Run them with `make bench`; each wrk run is bounded by BENCH_DURATION
// (default 5s) and only targets 127.0.0.1.
package bench
