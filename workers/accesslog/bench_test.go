package accesslog

import "testing"

// The benchmarks render into a reused buffer, as a worker does: one line
// per request, no allocation.

func benchmarkFormat(b *testing.B, format string) {
	f, err := Compile(format)
	if err != nil {
		b.Fatal(err)
	}
	r := sample()
	buf := f.Append(nil, r)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = f.Append(buf[:0], r)
	}
}

func BenchmarkAppendDefault(b *testing.B) { benchmarkFormat(b, DefaultFormat) }

func BenchmarkAppendEveryAtom(b *testing.B) {
	benchmarkFormat(b, `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(m)s %(U)s %(q)s %(H)s %(b)s %(B)s `+
		`"%(f)s" "%(a)s" %(T)s %(M)s %(D)s %(L)s %(p)s %({x-request-id}i)s %({x-cache}o)s %({wsgi.url_scheme}e)s`)
}

func BenchmarkAppendConversions(b *testing.B) {
	benchmarkFormat(b, `%(a)-30r %(u)10.3a %(B)#010x %(D)+d %(U).5s`)
}

func BenchmarkAppendJSON(b *testing.B) {
	f, err := Compile(DefaultFormat)
	if err != nil {
		b.Fatal(err)
	}
	r := sample()
	buf := f.AppendJSON(nil, r)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = f.AppendJSON(buf[:0], r)
	}
}

func BenchmarkCompileDefault(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Compile(DefaultFormat); err != nil {
			b.Fatal(err)
		}
	}
}
