package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/twofetch/twofetch/qrdecode"
)

func init() {
	register(&Command{
		Name:    "qr",
		Summary: "decode QR codes in photos, or measure the decoder on a set of photos",
		Usage:   "decode [--json] [--budget D] [--accept PREFIX] [--exhaustive] FILE... | bench [same flags] [-v] [--external CMD] DIR",
		Help: `
qr decode prints the text of every QR code found in each FILE, one per line,
and nothing else; with --json it prints one JSON object per code with the
file, the milliseconds the photo took and the pass that found it. The exit
status is 1 when no code was found in any file.

qr bench walks DIR for images (JPEG, PNG, GIF, WebP) that have a .txt file
with the expected text beside them (NAME.png and NAME.txt; *.metadata.txt is
ignored; an empty .txt marks a photo without a code), decodes each, and
prints how many decoded to exactly the expected text, with median and
90th-percentile latency (image decoding included) in wall-clock and CPU
time. With --external CMD it measures another decoder the same way (see
scripts/qrbench.sh).`,
		Run: runQR,
	})
}

func runQR(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("qr needs a subcommand: decode or bench")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("twofetch qr "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print JSON")
	budget := fs.Duration("budget", 0, "wall-clock budget per photo, image decoding included (default 3s)")
	verbose := fs.Bool("v", false, "bench: list every photo with its result on stderr")
	external := fs.String("external", "", "bench: measure this shell command instead, run as sh -c CMD sh IMAGE (the image is $1); a photo counts as read when the expected text occurs in its stdout")
	accept := fs.String("accept", "", "keep looking until a code starting with this text (any case) is found, e.g. otpauth")
	exhaustive := fs.Bool("exhaustive", false, "keep looking for more codes until every pass has run or the budget is spent")
	if err := fs.Parse(args); err != nil {
		return usagef("qr %s: %v", sub, err)
	}
	opts := qrdecode.Options{Budget: *budget, Exhaustive: *exhaustive}
	if *accept != "" {
		prefix := strings.ToLower(*accept)
		opts.Accept = func(text string) bool { return strings.HasPrefix(strings.ToLower(text), prefix) }
	}
	switch sub {
	case "decode":
		if fs.NArg() == 0 {
			return usagef("qr decode needs at least one FILE")
		}
		return qrDecode(ctx, m, fs.Args(), opts, *asJSON)
	case "bench":
		if fs.NArg() != 1 {
			return usagef("qr bench needs one DIR")
		}
		return qrBench(ctx, m, fs.Arg(0), benchOptions{opts, *asJSON, *verbose, *external})
	default:
		return usagef("unknown qr subcommand %q", sub)
	}
}

type qrLine struct {
	File string  `json:"file"`
	Text string  `json:"text"`
	MS   float64 `json:"ms"`
	Pass string  `json:"pass"`
}

func qrDecode(ctx context.Context, m *Main, files []string, opts qrdecode.Options, asJSON bool) error {
	any := false
	enc := json.NewEncoder(m.Stdout)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(m.Stderr, "twofetch qr decode: %v\n", err)
			continue
		}
		start := time.Now()
		res, err := qrdecode.Decode(ctx, b, opts)
		ms := float64(time.Since(start).Microseconds()) / 1000
		if err != nil {
			fmt.Fprintf(m.Stderr, "twofetch qr decode: %s: %v\n", f, err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		any = true
		for _, r := range res {
			if asJSON {
				if err := enc.Encode(qrLine{File: f, Text: r.Text, MS: ms, Pass: r.Pass}); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(m.Stdout, r.Text)
			}
		}
	}
	if !any {
		return exitError{1}
	}
	return nil
}

var qrImageExt = []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic"}

type benchCase struct{ image, want string }

// benchCases lists the images under dir that have ground truth beside them.
func benchCases(dir string) ([]benchCase, error) {
	var cases []benchCase
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := strings.ToLower(filepath.Ext(path))
		if !slices.Contains(qrImageExt, ext) {
			return nil
		}
		want, err := os.ReadFile(strings.TrimSuffix(path, filepath.Ext(path)) + ".txt")
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		cases = append(cases, benchCase{path, string(want)})
		return nil
	})
	return cases, err
}

type benchSummary struct {
	Dir      string  `json:"dir"`
	Images   int     `json:"images"`
	Exact    int     `json:"exact"`
	Found    int     `json:"found"`
	Rate     float64 `json:"rate"`
	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"`
	MaxMS    float64 `json:"max_ms"`
	// CPU time per photo, which unlike wall time does not grow when other
	// processes share the machine.
	CPUMedianMS float64 `json:"cpu_median_ms"`
	CPUP90MS    float64 `json:"cpu_p90_ms"`
}

type benchOptions struct {
	decode   qrdecode.Options
	json     bool
	verbose  bool
	external string
}

// benchOne decodes one image and reports whether the expected text was
// read, and the wall and CPU milliseconds it took.
func benchOne(ctx context.Context, c benchCase, o benchOptions) (exact, found bool, ms, cpu float64, detail string, err error) {
	if o.external != "" {
		cmd := exec.CommandContext(ctx, "sh", "-c", o.external, "sh", c.image)
		var out bytes.Buffer
		cmd.Stdout = &out
		start := time.Now()
		runErr := cmd.Run()
		ms = float64(time.Since(start).Microseconds()) / 1000
		if cmd.ProcessState == nil {
			return false, false, ms, 0, "", fmt.Errorf("running %q: %v", o.external, runErr)
		}
		cpu = float64((cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Microseconds()) / 1000
		text := strings.TrimSpace(out.String())
		found = text != ""
		if c.want == "" {
			return !found, found, ms, cpu, firstLine(text), nil
		}
		return strings.Contains(out.String(), c.want), found, ms, cpu, firstLine(text), nil
	}
	b, err := os.ReadFile(c.image)
	if err != nil {
		return false, false, 0, 0, "", err
	}
	start, cpu0 := time.Now(), cpuTime()
	res, derr := qrdecode.Decode(ctx, b, o.decode)
	ms = float64(time.Since(start).Microseconds()) / 1000
	cpu = cpuTime() - cpu0
	exact = slices.ContainsFunc(res, func(r qrdecode.Result) bool { return r.Text == c.want })
	if c.want == "" {
		// An empty ground truth marks a photo without a code.
		exact = errors.Is(derr, qrdecode.ErrNoCode)
	}
	switch {
	case derr != nil:
		detail = derr.Error()
	default:
		detail = fmt.Sprintf("%s %q", res[0].Pass, firstLine(res[0].Text))
	}
	return exact, len(res) > 0, ms, cpu, detail, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

func qrBench(ctx context.Context, m *Main, dir string, o benchOptions) error {
	cases, err := benchCases(dir)
	if err != nil {
		return err
	}
	if len(cases) == 0 {
		return fmt.Errorf("no images with .txt ground truth under %s", dir)
	}
	sum := benchSummary{Dir: dir, Images: len(cases)}
	lat := make([]float64, 0, len(cases))
	cpus := make([]float64, 0, len(cases))
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		exact, found, ms, cpu, detail, err := benchOne(ctx, c, o)
		if err != nil {
			return err
		}
		lat, cpus = append(lat, ms), append(cpus, cpu)
		if found {
			sum.Found++
		}
		if exact {
			sum.Exact++
		}
		if o.verbose {
			status := "ok  "
			if !exact {
				status = "MISS"
			}
			fmt.Fprintf(m.Stderr, "%s %8.1fms %8.1fms cpu  %s  %s\n", status, ms, cpu, c.image, detail)
		}
	}
	slices.Sort(lat)
	sum.Rate = float64(sum.Exact) / float64(sum.Images)
	sum.MedianMS = percentile(lat, 0.5)
	sum.P90MS = percentile(lat, 0.9)
	sum.MaxMS = lat[len(lat)-1]
	slices.Sort(cpus)
	sum.CPUMedianMS = percentile(cpus, 0.5)
	sum.CPUP90MS = percentile(cpus, 0.9)
	if o.json {
		return json.NewEncoder(m.Stdout).Encode(sum)
	}
	fmt.Fprintf(m.Stdout, "%s: %d/%d exact (%.1f%%), %d with a code, median %.0f ms, p90 %.0f ms, max %.0f ms (cpu median %.0f ms, p90 %.0f ms)\n",
		dir, sum.Exact, sum.Images, 100*sum.Rate, sum.Found, sum.MedianMS, sum.P90MS, sum.MaxMS, sum.CPUMedianMS, sum.CPUP90MS)
	return nil
}

// cpuTime returns the process's user+system CPU time in milliseconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
