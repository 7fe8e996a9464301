package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twofetch/twofetch/portals/detect"
)

// portalDetect loads a page in the browser and prints its login fields.
func portalDetect(ctx context.Context, m *Main, target string, asJSON bool) error {
	if _, err := detect.Target(target); err != nil {
		return usagef("%v", err)
	}
	if !strings.Contains(target, "://") {
		if _, err := os.Stat(target); err != nil {
			return fmt.Errorf("portal detect: %w", err)
		}
	}
	pool, err := m.openBrowser(ctx)
	if err != nil {
		return err
	}
	tab, release, err := pool.Tab(ctx)
	if err != nil {
		return err
	}
	defer release()
	// A saved file is shown as saved: its links to the site are not followed.
	opts := detect.LoadOptions{Offline: !strings.Contains(target, "://")}
	if err := detect.Open(tab, opts); err != nil {
		return err
	}
	res, err := detect.Load(tab, target, opts)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printDetection(m, res)
	return nil
}

func printDetection(m *Main, res *detect.Result) {
	fmt.Fprintf(m.Stdout, "page     %s (%s)\n", res.Kind, kindHelp[res.Kind])
	if len(res.Frames) > 0 {
		fmt.Fprintf(m.Stdout, "iframe   %s (the selectors below hold inside it)\n", strings.Join(res.Frames, " > "))
	}
	if res.Channel != "" {
		fmt.Fprintf(m.Stdout, "code     from %s\n", res.Channel)
	}
	if len(res.Methods) > 0 {
		fmt.Fprintf(m.Stdout, "methods  %s\n", strings.Join(res.Methods, ", "))
	}
	if len(res.Fields()) == 0 {
		fmt.Fprintln(m.Stdout, "no login field found")
		return
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ROLE\tSELECTOR\tCONFIDENCE\tELEMENT")
	for _, f := range res.Fields() {
		el := f.Tag
		if f.Type != "" {
			el += " type=" + f.Type
		}
		if f.Boxes > 0 {
			el += fmt.Sprintf(" (first of %d boxes)", f.Boxes)
		}
		if f.Text != "" {
			el += fmt.Sprintf(" %q", f.Text)
		}
		fmt.Fprintf(w, "%s\t%s\t%.2f\t%s\n", f.Role, f.Selector, f.Confidence, el)
	}
	w.Flush()
}

var kindHelp = map[detect.Kind]string{
	detect.KindLogin:        "identifier and password",
	detect.KindIdentifier:   "identifier only; the password follows",
	detect.KindPassword:     "password only",
	detect.KindCode:         "asks for a one-time code",
	detect.KindMethodPicker: "offers a choice of second factors",
	detect.KindOther:        "no sign-in step recognised",
}

// portalDetectBench measures the detector on a labelled login corpus.
func portalDetectBench(ctx context.Context, m *Main, dir string, verbose, asJSON, noScripts bool) error {
	pages, err := detect.ReadCorpus(dir)
	if err != nil {
		return fmt.Errorf("portal detect-bench: %w", err)
	}
	pool, err := m.openBrowser(ctx)
	if err != nil {
		return err
	}
	opts := detect.LoadOptions{Offline: true, NoScripts: noScripts, Settle: time.Millisecond, Load: 5 * time.Second}
	scores := detect.NewScores()
	var failed []string
	unlabelled := 0
	start := time.Now()
	var tab context.Context
	release := func() {}
	defer func() { release() }()
	var wrong []*detect.PageScore
	loaded := 0
	for _, p := range pages {
		if !p.Labelled() {
			unlabelled++
			continue
		}
		// A fresh tab now and then bounds what one page leaves behind.
		if loaded++; tab == nil || loaded%50 == 0 {
			release()
			if tab, release, err = pool.Tab(ctx); err != nil {
				return err
			}
			if err := detect.Open(tab, opts); err != nil {
				return err
			}
		}
		pctx, cancel := context.WithTimeout(tab, 20*time.Second)
		ps, err := detect.BenchPage(pctx, dir, p, opts, scores)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed = append(failed, fmt.Sprintf("%s: %v", p.File, err))
			release()
			if tab, release, err = pool.Tab(ctx); err != nil {
				return err
			}
			if err := detect.Open(tab, opts); err != nil {
				return err
			}
			continue
		}
		if len(ps.Wrong) > 0 {
			wrong = append(wrong, ps)
		}
	}
	elapsed := time.Since(start)
	if asJSON {
		out := struct {
			Pages      int                           `json:"pages"`
			Unlabelled int                           `json:"unlabelled"`
			Failed     []string                      `json:"failed,omitempty"`
			Scores     map[detect.Role]*detect.Score `json:"scores"`
			Wrong      []*detect.PageScore           `json:"wrong,omitempty"`
		}{len(pages), unlabelled, failed, scores, nil}
		if verbose {
			out.Wrong = wrong
		}
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if verbose {
		sort.Slice(wrong, func(i, j int) bool { return wrong[i].File < wrong[j].File })
		for _, ps := range wrong {
			var parts []string
			for r, v := range ps.Wrong {
				f := map[detect.Role]*detect.Field{detect.Username: ps.Result.Username, detect.Password: ps.Result.Password, detect.Submit: ps.Result.Submit}[r]
				sel := ""
				if f != nil {
					sel = " " + f.Selector
				}
				parts = append(parts, fmt.Sprintf("%s %s%s", r, v, sel))
			}
			sort.Strings(parts)
			fmt.Fprintf(m.Stdout, "%s: %s\n", ps.File, strings.Join(parts, "; "))
		}
	}
	for _, f := range failed {
		fmt.Fprintf(m.Stderr, "not scored: %s\n", f)
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ROLE\tPAGES\tTP\tFP\tFN\tPRECISION\tRECALL")
	for _, r := range detect.BenchRoles() {
		s := scores[r]
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f%%\n", r, s.Pages, s.TP, s.FP, s.FN, 100*s.Precision(), 100*s.Recall())
	}
	w.Flush()
	fmt.Fprintf(m.Stdout, "%d page(s): %d without field labels, %d not loaded; %v\n", len(pages), unlabelled, len(failed), elapsed.Round(time.Millisecond))
	return nil
}
