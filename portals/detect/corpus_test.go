package detect_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/portals/detect"
)

// corpusDir finds the labelled login corpus: TWOFETCH_LOGINCORPUS, or the
// shared data beside the checkout.
func corpusDir(t *testing.T) string {
	dir := os.Getenv("TWOFETCH_LOGINCORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "logincorpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "labels.jsonl")); err != nil {
		testenv.Missing(t, "login corpus: %v (set TWOFETCH_LOGINCORPUS)", err)
	}
	return dir
}

// TestCorpusSample scores every fifth page of the real login corpus; the
// full measurement is `twofetch portal detect-bench` (docs/portals.md).
func TestCorpusSample(t *testing.T) {
	dir := corpusDir(t)
	pages, err := detect.ReadCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	tab := newTab(t)
	opts := detect.LoadOptions{Offline: true, Settle: time.Millisecond, Load: 5 * time.Second}
	if err := detect.Open(tab, opts); err != nil {
		t.Fatal(err)
	}
	scores := detect.NewScores()
	for i, p := range pages {
		if i%5 != 0 || !p.Labelled() {
			continue
		}
		ps, err := detect.BenchPage(tab, dir, p, opts, scores)
		if err != nil {
			t.Fatalf("%s: %v", p.File, err)
		}
		if len(ps.Wrong) > 0 {
			t.Logf("%s: %v", p.File, ps.Wrong)
		}
	}
	for _, r := range []detect.Role{detect.Username, detect.Password} {
		s := scores[r]
		t.Logf("%s: %d pages, precision %.3f, recall %.3f", r, s.Pages, s.Precision(), s.Recall())
		if s.Pages < 30 {
			t.Errorf("%s scored on %d pages only", r, s.Pages)
		}
		if s.Precision() < 0.9 || s.Recall() < 0.9 {
			t.Errorf("%s: precision %.3f, recall %.3f; want both at least 0.9", r, s.Precision(), s.Recall())
		}
	}
}
