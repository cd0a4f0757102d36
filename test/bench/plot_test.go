package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWritePlotDrawsEverySeries(t *testing.T) {
	var samples []Sample
	for i := range 120 {
		samples = append(samples, Sample{At: time.Duration(i) * 500 * time.Millisecond, Queued: max(0, 1000-i*20), Pods: min(1000, i*15), Running: min(800, i*10)})
	}
	path := filepath.Join(t.TempDir(), "scaling.png")
	if err := writePlot(path, samples, "burst of 1000 jobs on one scale set"); err != nil {
		t.Fatalf("writePlot: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	// The legend marks hold 96 pixels of each colour; a drawn series holds hundreds more.
	found := map[string]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for name, c := range map[string][3]uint8{"queued": {colQueued.R, colQueued.G, colQueued.B}, "pods": {colPods.R, colPods.G, colPods.B}, "running": {colRunning.R, colRunning.G, colRunning.B}} {
				if uint8(r>>8) == c[0] && uint8(g>>8) == c[1] && uint8(bl>>8) == c[2] {
					found[name]++
				}
			}
		}
	}
	for _, name := range []string{"queued", "pods", "running"} {
		if found[name] < 300 {
			t.Errorf("series %s: %d pixels of its colour, want a drawn line (>= 300)", name, found[name])
		}
	}
	if os.Getenv("ARC_KEEP_PLOT") != "" {
		_ = os.WriteFile(os.Getenv("ARC_KEEP_PLOT"), mustRead(t, path), 0o644)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
