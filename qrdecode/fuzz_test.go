package qrdecode

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twofetch/twofetch/qrdecode/internal/photogen"
)

func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*")
	for _, s := range seeds {
		switch filepath.Ext(s) {
		case ".jpg", ".png", ".webp", ".gif":
			b, err := os.ReadFile(s)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	// A small JPEG carrying an EXIF orientation, so the EXIF parser is
	// mutated too.
	b, err := photogen.JPEG(photogen.Spec{Width: 160, Height: 120, Text: "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP", Orientation: 6, CodeSize: 0.8})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	// The caps keep each input's decode small: the fuzzer explores the
	// parsers, not the pixel cost of large frames.
	opts := Options{MaxBytes: 1 << 20, MaxPixels: 1 << 20, Budget: 20 * time.Millisecond}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Decode(context.Background(), data, opts)
		if err != nil {
			for _, kind := range []error{ErrNoCode, ErrTooLarge, ErrUnsupportedFormat, ErrCorrupt} {
				if errors.Is(err, kind) {
					return
				}
			}
			t.Fatalf("error of no known kind: %v", err)
		}
		if len(res) == 0 {
			t.Fatal("no error and no result")
		}
		for _, r := range res {
			if r.Pass == "" {
				t.Fatalf("result %q without a pass", r.Text)
			}
		}
	})
}
