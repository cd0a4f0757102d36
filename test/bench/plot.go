package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sample is the state of a scenario at one moment.
type Sample struct {
	At      time.Duration
	Queued  int // jobs not yet started by a runner
	Running int // jobs a runner runs
	Pods    int // runner pods that exist
}

const errPlot = "cannot write the plot"

var (
	colBackground = color.RGBA{255, 255, 255, 255}
	colAxis       = color.RGBA{60, 60, 60, 255}
	colGrid       = color.RGBA{225, 225, 225, 255}
	colQueued     = color.RGBA{230, 120, 20, 255}
	colPods       = color.RGBA{30, 100, 200, 255}
	colRunning    = color.RGBA{40, 160, 60, 255}
)

// writePlot draws queued jobs, running jobs and runner pods over time as a PNG.
func writePlot(path string, samples []Sample, title string) error {
	const (
		w, h                     = 960, 540
		left, right, top, bottom = 70, 30, 50, 50
		scale                    = 2 // font pixels
	)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{colBackground}, image.Point{}, draw.Src)

	var maxT float64
	maxY := 1
	for _, s := range samples {
		maxT = math.Max(maxT, s.At.Seconds())
		maxY = max(maxY, s.Queued, s.Pods, s.Running)
	}
	maxT = math.Max(maxT, 1)
	yStep := niceStep(float64(maxY), 5)
	yTop := math.Ceil(float64(maxY)/yStep) * yStep
	tStep := niceStep(maxT, 8)
	tTop := math.Ceil(maxT/tStep) * tStep
	px := func(t float64) int { return left + int(t/tTop*float64(w-left-right)) }
	py := func(v float64) int { return h - bottom - int(v/yTop*float64(h-top-bottom)) }

	for v := 0.0; v <= yTop+1e-9; v += yStep {
		hline(img, left, w-right, py(v), colGrid)
		label := strconv.FormatFloat(v, 'f', -1, 64)
		text(img, left-8-textWidth(label, scale), py(v)-3*scale, label, scale, colAxis)
	}
	for t := 0.0; t <= tTop+1e-9; t += tStep {
		vline(img, px(t), top, h-bottom, colGrid)
		label := strconv.FormatFloat(t, 'f', -1, 64)
		text(img, px(t)-textWidth(label, scale)/2, h-bottom+8, label, scale, colAxis)
	}
	hline(img, left, w-right, h-bottom, colAxis)
	vline(img, left, top, h-bottom, colAxis)
	text(img, (w-textWidth("seconds", scale))/2, h-bottom+26, "seconds", scale, colAxis)
	text(img, left, 14, title, scale, colAxis)

	series := []struct {
		name string
		col  color.RGBA
		val  func(Sample) int
	}{
		{"queued jobs", colQueued, func(s Sample) int { return s.Queued }},
		{"runner pods", colPods, func(s Sample) int { return s.Pods }},
		{"running jobs", colRunning, func(s Sample) int { return s.Running }},
	}
	lx := w - right - 190
	for i, s := range series {
		for k := 1; k < len(samples); k++ {
			a, b := samples[k-1], samples[k]
			line(img, px(a.At.Seconds()), py(float64(s.val(a))), px(b.At.Seconds()), py(float64(s.val(b))), s.col)
		}
		y := top + 10 + i*22
		fill(img, image.Rect(lx, y, lx+24, y+4), s.col)
		text(img, lx+32, y-5, s.name, scale, colAxis)
	}

	f, err := os.Create(path) //nolint:gosec // the bench output folder
	if err != nil {
		return fmt.Errorf("%s: %w", errPlot, err)
	}
	if err := png.Encode(f, img); err != nil {
		_ = f.Close()
		return fmt.Errorf("%s: %w", errPlot, err)
	}
	return f.Close()
}

// niceStep picks a step of 1, 2 or 5 times a power of ten giving about n ticks.
func niceStep(maxV float64, n int) float64 {
	raw := maxV / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

func hline(img *image.RGBA, x0, x1, y int, c color.Color) { fill(img, image.Rect(x0, y, x1+1, y+1), c) }
func vline(img *image.RGBA, x, y0, y1 int, c color.Color) { fill(img, image.Rect(x, y0, x+1, y1+1), c) }

// line draws a two-pixel-wide line (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		img.SetRGBA(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

func textWidth(s string, scale int) int { return len(s) * 6 * scale }

// text draws s with the 5x7 font below, each font pixel scale x scale.
func text(img *image.RGBA, x, y int, s string, scale int, c color.Color) {
	for i, r := range strings.ToLower(s) {
		g, ok := glyphs[r]
		if !ok {
			continue
		}
		for row, bits := range g {
			for col, b := range bits {
				if b == '#' {
					fill(img, image.Rect(x+(i*6+col)*scale, y+row*scale, x+(i*6+col+1)*scale, y+(row+1)*scale), c)
				}
			}
		}
	}
}

// glyphs is a small 5x7 font: digits, lowercase letters and a little punctuation.
var glyphs = map[rune][7]string{
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"####.", "....#", "....#", ".###.", "....#", "....#", "####."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'a': {".....", ".....", ".###.", "....#", ".####", "#...#", ".####"},
	'b': {"#....", "#....", "####.", "#...#", "#...#", "#...#", "####."},
	'c': {".....", ".....", ".###.", "#....", "#....", "#...#", ".###."},
	'd': {"....#", "....#", ".####", "#...#", "#...#", "#...#", ".####"},
	'e': {".....", ".....", ".###.", "#...#", "#####", "#....", ".###."},
	'f': {"..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."},
	'g': {".....", ".####", "#...#", "#...#", ".####", "....#", ".###."},
	'h': {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"},
	'i': {"..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."},
	'j': {"...#.", ".....", "..##.", "...#.", "...#.", "#..#.", ".##.."},
	'k': {"#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."},
	'l': {".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'm': {".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"},
	'n': {".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"},
	'o': {".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."},
	'p': {".....", ".....", "####.", "#...#", "####.", "#....", "#...."},
	'q': {".....", ".....", ".####", "#...#", ".####", "....#", "....#"},
	'r': {".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."},
	's': {".....", ".....", ".####", "#....", ".###.", "....#", "####."},
	't': {".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."},
	'u': {".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"},
	'v': {".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."},
	'w': {".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."},
	'x': {".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"},
	'y': {".....", ".....", "#...#", "#...#", ".####", "....#", ".###."},
	'z': {".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"},
	'.': {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."},
	',': {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."},
	'-': {".....", ".....", ".....", "#####", ".....", ".....", "....."},
	'/': {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."},
	'(': {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."},
	')': {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."},
	':': {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."},
}
