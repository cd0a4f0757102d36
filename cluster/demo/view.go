package demo

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// View draws the live table in place on a terminal (ANSI cursor movement), or
// prints it now and then when the output is not a terminal (a log, CI).
type View struct {
	w     io.Writer
	tty   bool
	drawn int
	last  time.Time
	every time.Duration
}

// NewView returns a view on w; tty selects redrawing in place.
func NewView(w io.Writer, tty bool) *View {
	return &View{w: w, tty: tty, every: 5 * time.Second}
}

// Lines renders the table of the teams' counts.
func Lines(header string, counts []TeamCounts, total int) []string {
	lines := []string{
		header,
		fmt.Sprintf("%-14s %-5s %-6s %8s %8s %8s   %8s %8s %8s   %s", "team", "ready", "synced", "queued", "running", "done", "pending", "running", "exited", "progress"),
		fmt.Sprintf("%-14s %-12s %26s   %26s", "", "", "------------- jobs -------", "----------- runners ------"),
	}
	for _, c := range counts {
		want := total / max(1, len(counts))
		if c.Submitted > want {
			want = c.Submitted
		}
		lines = append(lines, fmt.Sprintf("%-14s %-5s %-6s %8d %8d %8d   %8d %8d %8d   %s %d/%d",
			c.Team, orDash(c.Ready), orDash(c.Synced), c.Queued, c.Running, c.Done, c.PodsPending, c.PodsReady, c.PodsFinished, Bar(c.Done, want, 24), c.Done, want))
	}
	return lines
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Bar is a progress bar of width cells.
func Bar(done, total, width int) string {
	if total <= 0 {
		return "[" + strings.Repeat(" ", width) + "]"
	}
	full := min(width, done*width/total)
	return "[" + strings.Repeat("#", full) + strings.Repeat("-", width-full) + "]"
}

// Draw shows lines, replacing what was drawn before on a terminal.
func (v *View) Draw(lines []string, force bool) {
	if !v.tty {
		if !force && time.Since(v.last) < v.every {
			return
		}
		v.last = time.Now()
		fmt.Fprintln(v.w, strings.Join(lines, "\n"))
		return
	}
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", v.drawn)
	}
	for _, l := range lines {
		b.WriteString("\x1b[2K")
		b.WriteString(l)
		b.WriteString("\n")
	}
	for i := len(lines); i < v.drawn; i++ {
		b.WriteString("\x1b[2K\n")
	}
	if v.drawn > len(lines) {
		fmt.Fprintf(&b, "\x1b[%dA", v.drawn-len(lines))
	}
	v.drawn = len(lines)
	_, _ = io.WriteString(v.w, b.String())
}

// Release stops redrawing in place: what comes next is printed below the table.
func (v *View) Release() { v.drawn = 0 }
