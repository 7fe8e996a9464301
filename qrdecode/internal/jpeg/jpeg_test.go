package jpeg

import (
	"bytes"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"math"
	"testing"
)

// photo returns a JPEG with detail at every scale (gradients and sharp
// edges).
func photo(t testing.TB, w, h int, gray bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8((x*7 + y*3) % 256)
			if (x/5+y/7)%2 == 0 {
				v = 255 - v
			}
			img.Set(x, y, color.RGBA{v, uint8(x), uint8(y), 255})
		}
	}
	var src image.Image = img
	if gray {
		g := image.NewGray(img.Bounds())
		for i := range g.Pix {
			g.Pix[i] = img.Pix[4*i]
		}
		src = g
	}
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, src, &stdjpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func stdLuma(t testing.TB, b []byte) (*image.Gray, bool) {
	img, err := stdjpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, false
	}
	r := img.Bounds()
	g := image.NewGray(r)
	switch m := img.(type) {
	case *image.YCbCr:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(g.Pix[(y-r.Min.Y)*g.Stride:], m.Y[m.YOffset(r.Min.X, y):m.YOffset(r.Max.X-1, y)+1])
		}
	case *image.Gray:
		g = m
	default:
		return nil, false
	}
	return g, true
}

func TestDecodeGrayFullScaleMatchesStdlib(t *testing.T) {
	for _, gray := range []bool{false, true} {
		b := photo(t, 99, 61, gray)
		want, _ := stdLuma(t, b)
		got, err := DecodeGray(bytes.NewReader(b), 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("gray=%v: bounds %v, want %v", gray, got.Bounds(), want.Bounds())
		}
		for y := 0; y < 61; y++ {
			if !bytes.Equal(got.Pix[y*got.Stride:y*got.Stride+99], want.Pix[y*want.Stride:y*want.Stride+99]) {
				t.Fatalf("gray=%v: row %d differs", gray, y)
			}
		}
	}
}

// A scaled decode approximates the mean of the pixels each output pixel
// replaces.
func TestDecodeGrayScaled(t *testing.T) {
	b := photo(t, 160, 96, false)
	full, _ := stdLuma(t, b)
	for shift := uint(1); shift <= 3; shift++ {
		got, err := DecodeGray(bytes.NewReader(b), shift)
		if err != nil {
			t.Fatal(err)
		}
		n := 1 << shift
		if got.Bounds().Dx() != 160/n || got.Bounds().Dy() != 96/n {
			t.Fatalf("shift %d: size %v", shift, got.Bounds())
		}
		var sumErr float64
		for y := 0; y < 96/n; y++ {
			for x := 0; x < 160/n; x++ {
				var s int
				for dy := 0; dy < n; dy++ {
					for dx := 0; dx < n; dx++ {
						s += int(full.Pix[(y*n+dy)*full.Stride+x*n+dx])
					}
				}
				sumErr += math.Abs(float64(s)/float64(n*n) - float64(got.Pix[y*got.Stride+x]))
			}
		}
		if mean := sumErr / float64(160/n*96/n); mean > 6 {
			t.Errorf("shift %d: mean difference from box average %.1f grey levels", shift, mean)
		}
	}
}

// FuzzDecodeGray checks the trimmed decoder against the standard one: for
// every input both accept, the full-scale luma planes are identical.
func FuzzDecodeGray(f *testing.F) {
	f.Add(photo(f, 40, 24, false))
	f.Add(photo(f, 33, 17, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, err := stdjpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		for s := uint(1); s <= 3; s++ {
			_, _ = DecodeGray(bytes.NewReader(b), s)
		}
		want, ok := stdLuma(t, b)
		got, err := DecodeGray(bytes.NewReader(b), 0)
		if !ok || err != nil {
			return
		}
		r := want.Bounds()
		if got.Bounds().Size() != r.Size() {
			t.Fatalf("size %v, standard decoder %v", got.Bounds(), r)
		}
		for y := 0; y < r.Dy(); y++ {
			if !bytes.Equal(got.Pix[y*got.Stride:y*got.Stride+r.Dx()], want.Pix[y*want.Stride:y*want.Stride+r.Dx()]) {
				t.Fatalf("row %d differs from the standard decoder", y)
			}
		}
	})
}
