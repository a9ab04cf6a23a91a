package bench

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteMarkdown renders results as the tables people read: the targets,
// one table per app and load (median req/s, ratio against the best gunicorn
// worker of that cell, latency, errors, CPU), memory, failed checks, notes.
func WriteMarkdown(w io.Writer, res *Results) {
	c := res.Config
	fmt.Fprintf(w, "# narwhal and its peers, side by side (%s mode)\n\n", res.Mode)
	warm := "no warm-up"
	if c.WarmupS > 0 {
		warm = fmt.Sprintf("after a %gs warm-up", c.WarmupS)
	}
	fmt.Fprintf(w, "%s UTC, %.0f min. Each cell: the median of %d wrk run(s) of %gs (wrk -t%d), %s; %d workers per server; loopback.\n\n",
		res.Started.Format("2006-01-02 15:04"), res.Seconds/60, c.Reps, c.DurationS, c.WrkThreads, warm, c.Workers)
	m, v := res.Machine, res.Versions
	fmt.Fprintf(w, "Machine: %s, %s cores, %s, kernel %s, %s.  \n", m["cpu"], m["cores"], m["memory"], m["kernel"], m["os"])
	fmt.Fprintf(w, "Versions: narwhal %s, %s, %s, gunicorn %s, uWSGI %s, waitress %s, gevent %s, Flask %s, Django %s, %s.\n\n",
		v["narwhal"], v["go"], v["python"], v["gunicorn"], v["uwsgi"], v["waitress"], v["gevent"], v["flask"], v["django"], v["wrk"])
	writeTargets(w, res)
	for _, app := range Apps() {
		for _, l := range app.Loads {
			writeCell(w, res, app, l)
		}
	}
	writeMemory(w, res)
	writeChecks(w, res)
	fmt.Fprintf(w, "## Servers (as run for hello)\n\n")
	for _, s := range res.Servers {
		for _, cmd := range s.Commands {
			fmt.Fprintf(w, "- %s: `%s`\n", s.Name, cmd)
		}
	}
	fmt.Fprintf(w, "\n## Notes\n\n")
	var notes []string
	noted := map[string][]string{} // note: servers
	for _, s := range res.Servers {
		if s.Note != "" {
			if noted[s.Note] == nil {
				notes = append(notes, s.Note)
			}
			noted[s.Note] = append(noted[s.Note], s.Name)
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "- %s: %s.\n", strings.Join(noted[n], ", "), n)
	}
	fmt.Fprintf(w, "- Pipelined latency is per batch of 16, and wrk 4.1 often cannot compute its high percentiles (its coordinated-omission correction adds samples below its minimum): n/a.\n")
	fmt.Fprintf(w, "- ⚠ marks a cell where, during some run, processes other than the server, wrk and this harness (or the hypervisor's steal) took more than %.2f cores.\n", c.NoiseCores)
	fmt.Fprintf(w, "- Full command lines, every run and every version are in the JSON file next to this one.\n")
}

func writeTargets(w io.Writer, res *Results) {
	fmt.Fprintf(w, "## Targets (issue 8)\n\n| target | measured | goal | result | from |\n|---|---:|---|---|---|\n")
	for _, t := range res.Targets {
		result, measured := "not met", fmt.Sprintf("%.2fx", t.Ratio)
		if strings.HasPrefix(t.Goal, ">= ") && strings.HasSuffix(t.Goal, "%") {
			measured = fmt.Sprintf("%.1f%%", 100*t.Ratio)
		}
		switch {
		case t.Ratio == 0:
			result, measured = "not run", "-"
		case t.Met:
			result = "**met**"
		}
		if t.Noisy {
			result += " ⚠"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", t.Name, measured, t.Goal, result, t.Detail)
	}
	fmt.Fprintln(w)
}

func writeCell(w io.Writer, res *Results, app App, l Load) {
	var cells []Cell
	var best Cell
	for _, s := range res.Servers {
		c, ok := res.Cell(app.Name, l.Name, s.Name)
		if !ok {
			continue
		}
		cells = append(cells, c)
		if s.Family == "gunicorn" && c.RPS > best.RPS {
			best = c
		}
	}
	if len(cells) == 0 {
		return
	}
	fmt.Fprintf(w, "## %s — %s\n\n", app.Title, l.Title)
	fmt.Fprintf(w, "| server | req/s | vs gunicorn | p50 | p99 | p99.9 | socket errors | non-2xx | CPU server / wrk / other |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, c := range cells {
		ratio := "-"
		if best.RPS > 0 {
			ratio = fmt.Sprintf("%.2fx", c.RPS/best.RPS)
		}
		name := c.Server
		if strings.HasPrefix(name, "narwhal-") {
			name = "**" + name + "**"
		}
		noisy := ""
		if c.Noisy {
			noisy = fmt.Sprintf(" ⚠ (max %.2f)", c.MaxOther)
		}
		rps := thousands(c.RPS)
		if c.Error != "" {
			rps = "failed"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %d | %d | %.2f / %.2f / %.2f%s |\n", name, rps, ratio,
			ms(c.P50us), ms(c.P99us), ms(c.P999us), c.SocketErrors, c.Non2xx, c.ServerCores, c.WrkCores, c.OtherCores, noisy)
	}
	if best.RPS > 0 {
		fmt.Fprintf(w, "\nvs gunicorn: against the best gunicorn worker in this cell, %s (%s req/s).\n", best.Server, thousands(best.RPS))
	}
	fmt.Fprintln(w)
}

func writeMemory(w io.Writer, res *Results) {
	if len(res.Memory) == 0 {
		return
	}
	var apps []App
	for _, a := range Apps() {
		for _, m := range res.Memory {
			if m.App == a.Name {
				apps = append(apps, a)
				break
			}
		}
	}
	fmt.Fprintf(w, "## Memory: PSS after the loads, MiB, summed over the server's processes\n\n| server |")
	for _, a := range apps {
		fmt.Fprintf(w, " %s |", a.Title)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(apps)))
	for _, s := range res.Servers {
		fmt.Fprintf(w, "| %s |", s.Name)
		for _, a := range apps {
			if m, ok := res.PSS(a.Name, s.Name); ok {
				fmt.Fprintf(w, " %.1f (%d) |", mib(m.PSSBytes), m.Processes)
			} else {
				fmt.Fprintf(w, " - |")
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n(n): processes counted, the master included.\n\n")
}

func writeChecks(w io.Writer, res *Results) {
	var failed []Check
	for _, c := range res.Checks {
		if !c.OK {
			failed = append(failed, c)
		}
	}
	fmt.Fprintf(w, "## Checks\n\n")
	if len(failed) == 0 {
		fmt.Fprintf(w, "All %d checks passed: every server answered every app correctly before and after its loads.\n\n", len(res.Checks))
		return
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].Server < failed[j].Server })
	fmt.Fprintf(w, "%d of %d checks failed:\n\n", len(failed), len(res.Checks))
	for _, c := range failed {
		msg, _, _ := strings.Cut(c.Error, "\n")
		fmt.Fprintf(w, "- %s, %s (%s): %s\n", c.Server, c.App, c.Phase, msg)
	}
	fmt.Fprintln(w)
}

// ms formats microseconds as milliseconds; 0 is wrk's "could not say".
func ms(us int64) string {
	if us == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(float64(us)/1000, 'f', 2, 64) + " ms"
}

// thousands formats a rate as 12,345.
func thousands(f float64) string {
	s := strconv.FormatInt(int64(f+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
