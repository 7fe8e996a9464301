package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const qrTestdata = "../../qrdecode/testdata"

func TestQRDecode(t *testing.T) {
	photo := filepath.Join(qrTestdata, "zxingcpp-1-1.webp")
	want, err := os.ReadFile(filepath.Join(qrTestdata, "zxingcpp-1-1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	notPhoto := filepath.Join(qrTestdata, "README.md")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderrHas  string
		jsonFields bool
	}{
		{"text only", []string{"qr", "decode", photo}, 0, string(want) + "\n", "", false},
		{"two files, one unreadable", []string{"qr", "decode", notPhoto, photo}, 0, string(want) + "\n", "unsupported image format", false},
		{"nothing found", []string{"qr", "decode", notPhoto}, 1, "", "unsupported image format", false},
		{"missing file", []string{"qr", "decode", "no-such-file.jpg"}, 1, "", "no-such-file.jpg", false},
		{"json", []string{"qr", "decode", "--json", photo}, 0, "", "", true},
		{"codes --accept rejects are still printed", []string{"qr", "decode", "--accept", "otpauth", photo}, 0, string(want) + "\n", "", false},
		{"no files", []string{"qr", "decode"}, 2, "", "needs at least one FILE", false},
		{"no subcommand", []string{"qr"}, 2, "", "needs a subcommand", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if tt.jsonFields {
				var line struct {
					File, Text, Pass string
					MS               float64
				}
				if err := json.Unmarshal([]byte(stdout), &line); err != nil {
					t.Fatalf("stdout %q: %v", stdout, err)
				}
				if line.File != photo || line.Text != string(want) || line.Pass == "" || line.MS <= 0 {
					t.Errorf("json line %+v", line)
				}
			} else if stdout != tt.stdout {
				t.Errorf("stdout %q, want %q", stdout, tt.stdout)
			}
			if !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderrHas)
			}
		})
	}
}

func TestQRBench(t *testing.T) {
	dir := t.TempDir()
	copyFile := func(from, to string) {
		b, err := os.ReadFile(filepath.Join(qrTestdata, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, to)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("zxingcpp-1-1.webp", "a/1.webp")
	copyFile("zxingcpp-1-1.txt", "a/1.txt")
	copyFile("zxing-2-14.png", "b/2.png")
	copyFile("zxing-2-14.txt", "b/2.txt")
	copyFile("zxing-2-14.txt", "b/2.metadata.txt") // not ground truth
	copyFile("zxingcpp-3-03.webp", "b/wrong.webp")
	copyFile("zxing-2-14.txt", "b/wrong.txt")         // another code's text
	copyFile("zxingcpp-4-41.webp", "b/no-truth.webp") // skipped: no .txt

	code, stdout, stderr := runCmd(t, nil, "qr", "bench", "--json", dir)
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	var sum benchSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	if sum.Images != 3 || sum.Exact != 2 || sum.Found != 3 || sum.MedianMS <= 0 || sum.P90MS < sum.MedianMS {
		t.Errorf("summary %+v, want 3 images, 2 exact, 3 found", sum)
	}

	code, stdout, _ = runCmd(t, nil, "qr", "bench", dir)
	if code != 0 || !strings.Contains(stdout, "2/3 exact") {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}

	// An external decoder that "reads" each photo's own ground truth.
	code, stdout, stderr = runCmd(t, nil, "qr", "bench", "--json", "--external", `cat "${1%.*}.txt"`, dir)
	if code != 0 {
		t.Fatalf("external: exit status %d: %s", code, stderr)
	}
	sum = benchSummary{}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Exact != 3 {
		t.Errorf("external summary %+v, want 3 exact", sum)
	}

	if code, _, stderr := runCmd(t, nil, "qr", "bench", t.TempDir()); code != 1 || !strings.Contains(stderr, "no images") {
		t.Errorf("empty dir: exit %d, stderr %q", code, stderr)
	}
}
