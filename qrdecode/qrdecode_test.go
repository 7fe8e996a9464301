package qrdecode

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twofetch/twofetch/qrdecode/internal/photogen"
)

// deterministic leaves only the fixed work bound in force, so a busy
// machine (or the race detector) cannot change which passes run.
var deterministic = Options{Budget: 10 * time.Minute}

func texts(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Text)
	}
	return out
}

func TestDecodeRealPhotos(t *testing.T) {
	imgs, err := filepath.Glob("testdata/*.*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, img := range imgs {
		ext := filepath.Ext(img)
		if ext == ".txt" || ext == ".md" || strings.HasPrefix(filepath.Base(img), "LICENSE") {
			continue
		}
		n++
		t.Run(filepath.Base(img), func(t *testing.T) {
			b, err := os.ReadFile(img)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(img, ext) + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			res, err := Decode(context.Background(), b, deterministic)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !slices.Contains(texts(res), string(want)) {
				t.Errorf("got %q, want %q", texts(res), want)
			}
			for _, r := range res {
				if r.Pass == "" || len(r.Points) < 3 {
					t.Errorf("result %q lacks pass or points: %+v", r.Text, r)
				}
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d test photos found", n)
	}
}

// synth renders a small (2 MP) synthetic photo so the table runs quickly
// under the race detector; the 12 MP ones are measured by the benchmark.
func synth(t testing.TB, s photogen.Spec) []byte {
	t.Helper()
	if s.Width == 0 {
		s.Width, s.Height = 1600, 1200
	}
	if s.Seed == 0 {
		s.Seed = 7
	}
	b, err := photogen.JPEG(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeSyntheticPhotos(t *testing.T) {
	key := photogen.OTPAuthURI(42)
	store := photogen.AppStoreURLs[0]
	tests := []struct {
		name string
		spec photogen.Spec
		want []string
	}{
		{"straight", photogen.Spec{Text: key}, []string{key}},
		{"perspective 30°", photogen.Spec{Text: key, Tilt: 30, TiltAxis: 40, Rotation: 10}, []string{key}},
		{"rotated 135°", photogen.Spec{Text: key, Rotation: 135}, []string{key}},
		{"blurred", photogen.Spec{Text: key, Blur: 2, Noise: 3}, []string{key}},
		{"moiré and noise", photogen.Spec{Text: key, Moire: 0.6, Noise: 5, Tilt: 15, TiltAxis: 100}, []string{key}},
		{"glare", photogen.Spec{Text: key, Glare: 120, GlareX: 0.55, GlareY: 0.45, GlareRadius: 0.2}, []string{key}},
		{"dark mode", photogen.Spec{Text: key, Dark: true, Rotation: 20}, []string{key}},
		{"EXIF rotated 90°", photogen.Spec{Text: key, Orientation: 6, Tilt: 20, TiltAxis: 200}, []string{key}},
		{"EXIF rotated 270°", photogen.Spec{Text: key, Orientation: 8}, []string{key}},
		{"two codes", photogen.Spec{Text: key, Second: store, CodeSize: 0.25}, []string{key, store}},
		{"dark mode, two codes", photogen.Spec{Text: key, Second: store, Dark: true, CodeSize: 0.25}, []string{key, store}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Decode(context.Background(), synth(t, tt.spec), deterministic)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got := texts(res)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("got %q, missing %q", got, w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d codes %q, want %d", len(got), got, len(tt.want))
			}
		})
	}
}

func TestDecodeNoCode(t *testing.T) {
	for _, dark := range []bool{false, true} {
		b := synth(t, photogen.Spec{NoCode: true, Dark: dark, Moire: 0.5, Noise: 3})
		_, err := Decode(context.Background(), b, deterministic)
		if !errors.Is(err, ErrNoCode) {
			t.Errorf("dark=%v: got %v, want ErrNoCode", dark, err)
		}
	}
}

func TestDecodeCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Decode(ctx, synth(t, photogen.Spec{NoCode: true}), deterministic)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// The points of a code are reported in the upright photo, so a photo stored
// turned with an EXIF orientation gives the same points as the upright one.
func TestEXIFOrientationApplied(t *testing.T) {
	spec := photogen.Spec{Text: photogen.OTPAuthURI(3), Rotation: 10}
	upright, err := Decode(context.Background(), synth(t, spec), deterministic)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []int{3, 6, 8} {
		s := spec
		s.Orientation = o
		turned, err := Decode(context.Background(), synth(t, s), deterministic)
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		a, b := centroid(upright[0].Points), centroid(turned[0].Points)
		if d := math.Hypot(a.X-b.X, a.Y-b.Y); d > 12 {
			t.Errorf("orientation %d: code centre at %v, upright photo has it at %v", o, b, a)
		}
	}
}

func centroid(ps []Point) Point {
	var c Point
	for _, p := range ps[:3] {
		c.X += p.X / 3
		c.Y += p.Y / 3
	}
	return c
}

func TestDecodeFormats(t *testing.T) {
	text := photogen.OTPAuthURI(9)
	g, err := photogen.Render(photogen.Spec{Width: 800, Height: 600, Text: text, CodeSize: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	enc := func(f func(*bytes.Buffer) error) []byte {
		var buf bytes.Buffer
		if err := f(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	// A transparent background must read as white, as a browser shows it.
	nrgba := image.NewNRGBA(g.Bounds())
	for i, v := range g.Pix {
		if v > 128 {
			nrgba.Pix[4*i+3] = 0
		} else {
			nrgba.Pix[4*i], nrgba.Pix[4*i+1], nrgba.Pix[4*i+2], nrgba.Pix[4*i+3] = v, v, v, 255
		}
	}
	pal := image.NewPaletted(g.Bounds(), palette.Plan9)
	draw.Draw(pal, pal.Bounds(), g, image.Point{}, draw.Src)
	rgba := image.NewRGBA(g.Bounds())
	draw.Draw(rgba, rgba.Bounds(), g, image.Point{}, draw.Src)
	tests := []struct {
		name string
		data []byte
	}{
		{"gray JPEG", enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, g, nil) })},
		{"colour JPEG", enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, rgba, nil) })},
		{"gray PNG", enc(func(b *bytes.Buffer) error { return png.Encode(b, g) })},
		{"transparent PNG", enc(func(b *bytes.Buffer) error { return png.Encode(b, nrgba) })},
		{"GIF", enc(func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Decode(context.Background(), tt.data, deterministic)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !slices.Contains(texts(res), text) {
				t.Errorf("got %q, want %q", texts(res), text)
			}
		})
	}
}

// pngBomb is a valid PNG header declaring w×h pixels followed by almost
// no data.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(ihdr)-4)))
	b.Write(ihdr)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(ihdr)))
	return b.Bytes()
}

// jpegBomb is a small JPEG whose frame header claims w×h pixels.
func jpegBomb(t *testing.T, w, h uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 marker")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

func TestDecodeErrors(t *testing.T) {
	good := synth(t, photogen.Spec{Text: "x", Width: 400, Height: 300})
	tests := []struct {
		name string
		data []byte
		opts Options
		want error
	}{
		{"empty", nil, Options{}, ErrUnsupportedFormat},
		{"text", []byte("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"), Options{}, ErrUnsupportedFormat},
		{"HEIC header only", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), Options{}, ErrCorrupt},
		{"HEIF of another brand", []byte("\x00\x00\x00\x14ftypmsf1\x00\x00\x00\x00msf1"), Options{}, ErrUnsupportedFormat},
		{"truncated JPEG", good[:len(good)*2/3], Options{}, ErrCorrupt},
		{"JPEG header only", good[:2], Options{}, ErrCorrupt},
		{"garbage after JPEG marker", append([]byte{0xFF, 0xD8, 0xFF}, bytes.Repeat([]byte{0x13}, 500)...), Options{}, ErrCorrupt},
		{"truncated PNG", pngBomb(64, 64), Options{}, ErrCorrupt},
		{"PNG bomb", pngBomb(100_000, 100_000), Options{}, ErrTooLarge},
		{"JPEG bomb", jpegBomb(t, 60_000, 60_000), Options{}, ErrTooLarge},
		{"over the pixel cap", good, Options{MaxPixels: 1000}, ErrTooLarge},
		{"over the byte cap", good, Options{MaxBytes: 100}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(context.Background(), tt.data, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestHEICAndAVIF reads the formats phones save photos in: an iPhone's
// HEIC and an AVIF, each decoded inside WebAssembly, under the same caps
// as every other format: a header claiming too many pixels is refused
// before a pixel is decoded, by Decode and by Cost.
func TestHEICAndAVIF(t *testing.T) {
	for _, name := range []string{"zxing-2-14.heic", "zxingcpp-2-199b.avif"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "heif", name))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "heif", strings.TrimSuffix(name, filepath.Ext(name))+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Decode(context.Background(), data, deterministic)
			if err != nil || len(res) != 1 || res[0].Text != string(want) {
				t.Fatalf("Decode = %v, %v; want %q", res, err, want)
			}
			cost, err := Cost(data, Options{})
			if err != nil || cost <= int64(len(data)) {
				t.Fatalf("Cost = %d, %v", cost, err)
			}
			// The same file claiming 100,000 × 100,000 pixels.
			bomb := bytes.Clone(data)
			n := 0
			for i := 0; ; {
				j := bytes.Index(bomb[i:], []byte("ispe"))
				if j < 0 {
					break
				}
				i += j + 4
				copy(bomb[i+4:], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
				n++
			}
			if n == 0 {
				t.Fatal("no ispe box to patch")
			}
			// Refused unread: too large by the header, or (libavif checks
			// the size against the AV1 stream's) damaged.
			refused := func(err error) bool { return errors.Is(err, ErrTooLarge) || errors.Is(err, ErrCorrupt) }
			if _, err := Decode(context.Background(), bomb, deterministic); !refused(err) {
				t.Errorf("Decode of a header claiming 10 gigapixels: %v, want ErrTooLarge", err)
			}
			if _, err := Cost(bomb, Options{}); !refused(err) {
				t.Errorf("Cost of a header claiming 10 gigapixels: %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestJPEGOrientation(t *testing.T) {
	app1 := func(tiff []byte) []byte {
		seg := append([]byte("Exif\x00\x00"), tiff...)
		b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00} // an empty APP0 first
		b = append(b, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
		b = append(b, seg...)
		return append(b, 0xFF, 0xDA, 0x00, 0x02)
	}
	ifd := func(bo binary.AppendByteOrder, mark string, typ, val uint16) []byte {
		t := []byte(mark)
		t = bo.AppendUint16(t, 42)
		t = bo.AppendUint32(t, 8)
		t = bo.AppendUint16(t, 2)
		t = bo.AppendUint16(t, 0x010F) // Make, ignored
		t = bo.AppendUint16(t, 2)
		t = bo.AppendUint32(t, 4)
		t = append(t, 'A', 'B', 'C', 0)
		t = bo.AppendUint16(t, 0x0112)
		t = bo.AppendUint16(t, typ)
		t = bo.AppendUint32(t, 1)
		t = bo.AppendUint16(t, val)
		return append(t, 0, 0, 0, 0, 0, 0)
	}
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"big-endian 6", app1(ifd(binary.BigEndian, "MM", 3, 6)), 6},
		{"little-endian 8", app1(ifd(binary.LittleEndian, "II", 3, 8)), 8},
		{"out of range", app1(ifd(binary.BigEndian, "MM", 3, 9)), 1},
		{"wrong type", app1(ifd(binary.BigEndian, "MM", 4, 6)), 1},
		{"truncated IFD", app1(ifd(binary.BigEndian, "MM", 3, 6)[:20]), 1},
		{"no EXIF", []byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02}, 1},
		{"segment overruns file", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E'}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := jpegOrientation(tt.data); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPlaneOrientation(t *testing.T) {
	// 3×2 plane with distinct values; each orientation's upright result
	// written out by hand from the EXIF definitions.
	p := &plane{w: 3, h: 2, pix: []byte{1, 2, 3, 4, 5, 6}}
	tests := []struct {
		o    int
		w, h int
		want []byte
	}{
		{1, 3, 2, []byte{1, 2, 3, 4, 5, 6}},
		{2, 3, 2, []byte{3, 2, 1, 6, 5, 4}},
		{3, 3, 2, []byte{6, 5, 4, 3, 2, 1}},
		{4, 3, 2, []byte{4, 5, 6, 1, 2, 3}},
		{5, 2, 3, []byte{1, 4, 2, 5, 3, 6}},
		{6, 2, 3, []byte{4, 1, 5, 2, 6, 3}},
		{7, 2, 3, []byte{6, 3, 5, 2, 4, 1}},
		{8, 2, 3, []byte{3, 6, 2, 5, 1, 4}},
	}
	for _, tt := range tests {
		p.orientation = tt.o
		q := p.oriented()
		if q.w != tt.w || q.h != tt.h || !bytes.Equal(q.pix, tt.want) {
			t.Errorf("orientation %d: got %d×%d %v, want %d×%d %v", tt.o, q.w, q.h, q.pix, tt.w, tt.h, tt.want)
		}
	}
}

// Codes Accept rejects do not end the search but are still returned.
func TestDecodeAccept(t *testing.T) {
	key, store := photogen.OTPAuthURI(11), photogen.AppStoreURLs[1]
	photo := synth(t, photogen.Spec{Text: key, Second: store, CodeSize: 0.25})
	tests := []struct {
		name   string
		accept func(string) bool
		want   []string
	}{
		{"authenticator codes", func(s string) bool { return strings.HasPrefix(s, "otpauth:") }, []string{key}},
		{"nothing", func(string) bool { return false }, []string{key, store}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := deterministic
			opts.Accept = tt.accept
			res, err := Decode(context.Background(), photo, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if got := texts(res); !slices.Contains(got, w) {
					t.Errorf("got %q, missing %q", got, w)
				}
			}
		})
	}
}
