package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	pngTerm = "set terminal pngcairo size 1000,520 font \"sans,10\"\n"
	svgTerm = "set terminal svg size 1000,520 font \"sans,10\" background rgb \"white\"\n"
)

// familyColor colors bars by who made the server.
var familyColor = map[string]int{
	"narwhal": 0x1f77b4, "gunicorn": 0xff7f0e, "uwsgi": 0x2ca02c, "waitress": 0x9467bd, "go": 0x7f7f7f,
}

// WriteCharts draws, with gnuplot, one bar chart of median req/s per server
// for every app and load, and one of PSS serving hello, into dir as
// NAME-APP-LOAD.{png,svg} and NAME-memory-hello.{png,svg}. It returns the
// files drawn.
func WriteCharts(res *Results, dir, name string) ([]string, error) {
	if _, err := exec.LookPath("gnuplot"); err != nil {
		return nil, fmt.Errorf("gnuplot not installed (Debian: gnuplot-nox): no charts")
	}
	tmp, err := os.MkdirTemp("", "narwhal-charts-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var script strings.Builder
	var files []string
	chart := func(file, title, ylabel, format string, rows []string) {
		if len(rows) == 0 {
			return
		}
		dat := filepath.Join(tmp, file+".dat")
		if err := os.WriteFile(dat, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
			return
		}
		png, svg := filepath.Join(dir, file+".png"), filepath.Join(dir, file+".svg")
		fmt.Fprintf(&script, "%sset output %q\nset title %q\nset ylabel %q\n", pngTerm, png, title, ylabel)
		fmt.Fprintf(&script, "plot %q using 0:2:3:xtic(1) with boxes lc rgb variable, '' using 0:2:(sprintf(%q,$2)) with labels offset 0,0.8 font \",9\"\n", dat, format)
		// The same chart as text, small enough for the README to carry.
		fmt.Fprintf(&script, "%sset output %q\nreplot\n", svgTerm, svg)
		files = append(files, png, svg)
	}
	for _, app := range Apps() {
		for _, l := range app.Loads {
			var rows []string
			for _, s := range res.Servers {
				if c, ok := res.Cell(app.Name, l.Name, s.Name); ok {
					rows = append(rows, fmt.Sprintf("%q %.0f %d", s.Name, c.RPS, familyColor[s.Family]))
				}
			}
			chart(name+"-"+app.Name+"-"+l.Name, app.Title+", "+l.Title+": median req/s", "requests per second", "%.0f", rows)
		}
	}
	var rows []string
	for _, s := range res.Servers {
		if m, ok := res.PSS("hello", s.Name); ok {
			rows = append(rows, fmt.Sprintf("%q %.1f %d", s.Name, mib(m.PSSBytes), familyColor[s.Family]))
		}
	}
	chart(name+"-memory-hello", "hello: PSS of all the server's processes", "MiB", "%.1f", rows)
	if len(files) == 0 {
		return nil, nil
	}
	head := "set style fill solid 0.85 border -1\nset boxwidth 0.7\n" +
		"set yrange [0:*]\nset offsets 0.5,0.5,graph 0.1,0\nset xtics rotate by -30 nomirror\nset grid ytics\nunset key\n"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gnuplot")
	cmd.Stdin = strings.NewReader(head + script.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gnuplot: %w\n%s", err, out)
	}
	return files, nil
}
