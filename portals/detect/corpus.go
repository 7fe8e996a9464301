package detect

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/chromedp/chromedp"
)

// CorpusPage is one labelled page of a login corpus (labels.jsonl): for
// each role, the elements that are right answers, each named by the
// index of its <form> and a selector inside it.
type CorpusPage struct {
	File  string                     `json:"file"`
	URL   string                     `json:"url"`
	Roles map[string][]CorpusElement `json:"roles"`
}

// CorpusElement is one labelled element.
type CorpusElement struct {
	FormIndex int    `json:"form_index"`
	Selector  string `json:"selector_in_form"`
	ID        string `json:"id,omitempty"`
}

// Labelled reports whether any field of the page is labelled. A few pages
// mark a form as a login form without labelling its fields; nothing on
// them can be scored.
func (p CorpusPage) Labelled() bool {
	for _, els := range p.Roles {
		if len(els) > 0 {
			return true
		}
	}
	return false
}

// ReadCorpus reads dir/labels.jsonl.
func ReadCorpus(dir string) ([]CorpusPage, error) {
	f, err := os.Open(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []CorpusPage
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var p CorpusPage
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("labels.jsonl:%d: %w", n, err)
		}
		out = append(out, p)
	}
	return out, sc.Err()
}

// Score counts one role's hits and misses.
type Score struct {
	Role Role `json:"role"`
	// Pages is the number of pages the role was scored on.
	Pages int `json:"pages"`
	TP    int `json:"tp"`
	FP    int `json:"fp"`
	FN    int `json:"fn"`
}

func (s Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }
func (s Score) Recall() float64    { return ratio(s.TP, s.TP+s.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// PageScore is the verdict on one page, for finding what went wrong.
type PageScore struct {
	File   string          `json:"file"`
	Kind   Kind            `json:"kind"`
	Wrong  map[Role]string `json:"wrong,omitempty"` // role → "missed", "false" or "wrong element"
	Result *Result         `json:"result"`
}

// scored roles; submit only on pages where it is labelled, since unnamed
// buttons could not be labelled.
var benchRoles = []Role{Username, Password, Submit}

const labelJS = `((labels) => {
  const all = Array.from(document.getElementsByTagName("*"));
  return labels.map((l) => {
    const f = document.forms[l.form_index];
    let e = null;
    try { e = f && f.querySelector(l.selector_in_form); } catch (_) {}
    // The labels count forms as the HTML parser that made them did; a
    // browser drops a <form> nested in another, shifting the count.
    if (!e && l.id) e = document.getElementById(l.id);
    if (!e) { try { const m = document.querySelectorAll(l.selector_in_form); if (m.length === 1) e = m[0]; } catch (_) {} }
    return e ? all.indexOf(e) : -1;
  });
})`

// BenchPage loads one corpus page in the tab ctx and scores it into scores.
func BenchPage(ctx context.Context, dir string, p CorpusPage, opts LoadOptions, scores map[Role]*Score) (*PageScore, error) {
	res, err := Load(ctx, filepath.Join(dir, p.File), opts)
	if err != nil {
		return nil, err
	}
	ps := &PageScore{File: p.File, Kind: res.Kind, Result: res, Wrong: map[Role]string{}}
	if !p.Labelled() {
		return ps, nil
	}
	got := map[Role]*Field{Username: res.Username, Password: res.Password, Submit: res.Submit}
	for _, role := range benchRoles {
		labels := p.Roles[string(role)]
		if role == Submit && len(labels) == 0 {
			continue
		}
		var want []int
		if len(labels) > 0 {
			arg, _ := json.Marshal(labels)
			if want, err = chromedp.Run(ctx, chromedp.Evaluate[[]int](labelJS+"("+string(arg)+")")); err != nil {
				return nil, fmt.Errorf("%s: resolve labels: %w", p.File, err)
			}
		}
		want = slices.DeleteFunc(want, func(i int) bool { return i < 0 })
		s := scores[role]
		s.Pages++
		f := got[role]
		switch {
		case f != nil && slices.Contains(want, f.idx):
			s.TP++
		case f != nil:
			s.FP++
			ps.Wrong[role] = "false"
			if len(want) > 0 {
				s.FN++
				ps.Wrong[role] = "wrong element"
			}
		case len(want) > 0:
			s.FN++
			ps.Wrong[role] = "missed"
		}
	}
	return ps, nil
}

// NewScores returns empty scores for the benchmarked roles.
func NewScores() map[Role]*Score {
	m := map[Role]*Score{}
	for _, r := range benchRoles {
		m[r] = &Score{Role: r}
	}
	return m
}

// BenchRoles are the roles a corpus benchmark scores, in report order.
func BenchRoles() []Role { return slices.Clone(benchRoles) }
