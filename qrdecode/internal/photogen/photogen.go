// Package photogen renders synthetic phone photos of a QR code shown on a
// computer monitor: the page with the code (and optionally a second one) on
// a screen whose pixel grid causes moiré, seen at an angle through a lens,
// with glare, defocus, sensor noise, dark mode and an EXIF orientation. The
// photos measure and test qrdecode where no real customer photos can be
// shared.
package photogen

import (
	"bytes"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"

	qrcode "github.com/skip2/go-qrcode"
)

// Spec describes one photo. Zero values give a straight, sharp, upright
// photo of a code on a light page.
type Spec struct {
	Width, Height int // of the upright photo; default 4000×3000
	Text          string
	// Second, when set, is shown as a second code beside the first, as a
	// setup page shows an app-store link next to the authenticator code.
	Second string
	// NoCode leaves the codes out (the page keeps its text).
	NoCode bool
	// CodeSize is the code's width in the photo as a fraction of the
	// shorter side; default 0.3.
	CodeSize float64
	// Tilt is the angle in degrees between the screen and the camera's
	// image plane, about an axis at TiltAxis degrees.
	Tilt, TiltAxis float64
	// Rotation turns the whole screen in the image plane, in degrees.
	Rotation float64
	// Blur is the defocus radius in photo pixels.
	Blur float64
	// Moire scales the dark gaps between screen pixels (0–1).
	Moire float64
	// Glare is the brightness added at the centre of a reflection (0–255),
	// at GlareX, GlareY (fractions of the frame) with GlareRadius (fraction
	// of the shorter side).
	Glare, GlareX, GlareY, GlareRadius float64
	// Noise is the standard deviation of sensor noise in grey levels.
	Noise float64
	// Dark renders the page in dark mode with a light-on-dark code.
	Dark bool
	// Orientation is the EXIF orientation written to the JPEG (1, 3, 6 or
	// 8); the pixels are stored turned accordingly.
	Orientation int
	// Quality is the JPEG quality; default 88.
	Quality int
	Seed    uint64
}

// Random returns a spec drawn from the range of photos customers send:
// up to 35° of perspective, any rotation, some blur, moiré and glare, a
// third in dark mode, most with an EXIF rotation, a third with a second code.
func Random(seed uint64, text string) Spec {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	s := Spec{
		Width: 4000, Height: 3000, Text: text, Seed: seed,
		CodeSize:    0.18 + 0.27*r.Float64(),
		Tilt:        35 * r.Float64(),
		TiltAxis:    360 * r.Float64(),
		Rotation:    360 * r.Float64(),
		Blur:        3 * r.Float64() * r.Float64(),
		Moire:       0.2 + 0.6*r.Float64(),
		Noise:       1 + 5*r.Float64(),
		Dark:        r.IntN(3) == 0,
		Orientation: []int{1, 6, 6, 8, 3}[r.IntN(5)],
		Quality:     75 + r.IntN(20),
	}
	if r.IntN(2) == 0 {
		s.Glare = 60 + 120*r.Float64()
		s.GlareX, s.GlareY = r.Float64(), r.Float64()
		s.GlareRadius = 0.1 + 0.3*r.Float64()
	}
	if r.IntN(3) == 0 {
		s.Second = AppStoreURLs[r.IntN(len(AppStoreURLs))]
	}
	return s
}

// AppStoreURLs are what setup pages show beside the authenticator code.
var AppStoreURLs = []string{
	"https://apps.apple.com/app/google-authenticator/id388497605",
	"https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2",
	"https://apps.apple.com/us/app/microsoft-authenticator/id983156458",
}

var issuers = []string{"Amazon", "PayPal", "GitHub", "Stripe", "Deutsche Telekom", "Vodafone Business", "O2", "Hetzner Online", "Google", "ACME Corp"}

// OTPAuthURI returns a plausible authenticator URI for seed, with a secret
// of 10–32 bytes as real portals issue.
func OTPAuthURI(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	secret := make([]byte, []int{10, 16, 20, 20, 32}[r.IntN(5)])
	for i := range secret {
		secret[i] = byte(r.IntN(256))
	}
	b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	iss := issuers[r.IntN(len(issuers))]
	acct := fmt.Sprintf("customer%d@example.com", r.IntN(100000))
	return fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s", pathEscape(iss), acct, b32, queryEscape(iss))
}

func pathEscape(s string) string  { return escape(s, "%20") }
func queryEscape(s string) string { return escape(s, "+") }

func escape(s, space string) string {
	var b bytes.Buffer
	for _, c := range []byte(s) {
		if c == ' ' {
			b.WriteString(space)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// page is the screen content, one byte of luminance per screen pixel.
type page struct {
	w, h int
	pix  []byte
	// code is the authenticator code's rectangle in page pixels.
	cx0, cy0, cx1, cy1 float64
}

func renderPage(s Spec, r *rand.Rand) (*page, error) {
	const w, h = 1600, 1000
	p := &page{w: w, h: h, pix: make([]byte, w*h)}
	bg, fg := byte(250), byte(40)
	if s.Dark {
		bg, fg = 30, 200
	}
	for i := range p.pix {
		p.pix[i] = bg
	}
	fill := func(x0, y0, x1, y1 int, v byte) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				p.pix[y*w+x] = v
			}
		}
	}
	// Lines of "text" and a header bar, so the binarizers see the clutter
	// of a real setup page.
	fill(0, 0, w, 60, fg/2+bg/2)
	for y := 120; y < h-40; y += 28 {
		x := 60
		for x < w/2-80 {
			n := 20 + r.IntN(90)
			fill(x, y, min(x+n, w/2-80), y+12, fg)
			x += n + 12
		}
	}
	codes := []string{s.Text}
	if s.Second != "" {
		codes = append(codes, s.Second)
	}
	if s.NoCode {
		return p, nil
	}
	x := w/2 + 20
	for i, text := range codes {
		q, err := qrcode.New(text, qrcode.Medium)
		if err != nil {
			return nil, err
		}
		bm := q.Bitmap() // includes the 4-module quiet zone
		mod := 5
		if i > 0 {
			mod = 4
		}
		n := len(bm) * mod
		y0 := (h - n) / 2
		for my, row := range bm {
			for mx, black := range row {
				v := bg
				if s.Dark {
					// Dark mode inverts the code as well.
					if black {
						v = fg
					}
				} else if black {
					v = fg
				} else {
					v = 255
				}
				fill(x+mx*mod, y0+my*mod, x+(mx+1)*mod, y0+(my+1)*mod, v)
			}
		}
		if i == 0 {
			p.cx0, p.cy0, p.cx1, p.cy1 = float64(x), float64(y0), float64(x+n), float64(y0+n)
		}
		x += n + 40
	}
	return p, nil
}

// Render draws the upright photo as luminance (one byte per pixel, row
// major) of s.Width×s.Height.
func Render(s Spec) (*image.Gray, error) {
	if s.Width == 0 {
		s.Width, s.Height = 4000, 3000
	}
	if s.CodeSize == 0 {
		s.CodeSize = 0.3
	}
	r := rand.New(rand.NewPCG(s.Seed, 2))
	pg, err := renderPage(s, r)
	if err != nil {
		return nil, err
	}
	W, H := s.Width, s.Height

	// Project the screen's corners through a pinhole camera, tilted and
	// rotated, then place the code at the frame's centre at the asked size.
	f := 1.2 * float64(pg.w)
	tilt, axis, rot := rad(s.Tilt), rad(s.TiltAxis), rad(s.Rotation)
	project := func(u, v float64) (float64, float64) {
		X, Y := u-float64(pg.w)/2, v-float64(pg.h)/2
		// Rotate about the in-plane axis (cos axis, sin axis, 0) by tilt.
		ax, ay := math.Cos(axis), math.Sin(axis)
		d := X*ax + Y*ay
		px, py := X-d*ax, Y-d*ay // component perpendicular to the axis
		Xr, Yr := d*ax+px*math.Cos(tilt), d*ay+py*math.Cos(tilt)
		Z := f + math.Hypot(px, py)*math.Sin(tilt)*sign(px*(-ay)+py*ax)
		x, y := f*Xr/Z, f*Yr/Z
		return x*math.Cos(rot) - y*math.Sin(rot), x*math.Sin(rot) + y*math.Cos(rot)
	}
	var cx, cy float64
	var qc [4][2]float64
	for i, c := range [4][2]float64{{pg.cx0, pg.cy0}, {pg.cx1, pg.cy0}, {pg.cx1, pg.cy1}, {pg.cx0, pg.cy1}} {
		if pg.cx1 == 0 { // no code: frame the right half of the page
			c = [4][2]float64{{800, 250}, {1400, 250}, {1400, 850}, {800, 850}}[i]
		}
		qc[i][0], qc[i][1] = project(c[0], c[1])
		cx, cy = cx+qc[i][0]/4, cy+qc[i][1]/4
	}
	size := (math.Hypot(qc[0][0]-qc[2][0], qc[0][1]-qc[2][1]) + math.Hypot(qc[1][0]-qc[3][0], qc[1][1]-qc[3][1])) / 2 / math.Sqrt2
	k := s.CodeSize * float64(min(W, H)) / size
	jx, jy := (r.Float64()-0.5)*0.2*float64(W), (r.Float64()-0.5)*0.2*float64(H)
	var src, dst [4][2]float64
	for i, c := range [4][2]float64{{0, 0}, {float64(pg.w), 0}, {float64(pg.w), float64(pg.h)}, {0, float64(pg.h)}} {
		x, y := project(c[0], c[1])
		src[i] = [2]float64{(x-cx)*k + float64(W)/2 + jx, (y-cy)*k + float64(H)/2 + jy}
		dst[i] = c
	}
	hm, err := homography(src, dst)
	if err != nil {
		return nil, err
	}

	img := image.NewGray(image.Rect(0, 0, W, H))
	gr := float64(min(W, H)) * s.GlareRadius
	for y := 0; y < H; y++ {
		row := img.Pix[y*W : y*W+W]
		for x := range row {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			den := hm[6]*fx + hm[7]*fy + 1
			u := (hm[0]*fx + hm[1]*fy + hm[2]) / den
			v := (hm[3]*fx + hm[4]*fy + hm[5]) / den
			var l float64
			switch {
			case u >= 0 && v >= 0 && u < float64(pg.w) && v < float64(pg.h):
				l = float64(pg.pix[int(v)*pg.w+int(u)])
				// The black gaps between screen pixels; sampled by the
				// sensor at a slightly different pitch they beat into moiré.
				gu, gv := u-math.Floor(u), v-math.Floor(v)
				if gu < 0.2 || gv < 0.2 {
					l *= 1 - s.Moire
				}
			case u >= -40 && v >= -40 && u < float64(pg.w)+40 && v < float64(pg.h)+40:
				l = 12 // bezel
			default:
				l = 90 + 40*fy/float64(H) // the wall behind
			}
			if s.Glare > 0 {
				dx, dy := fx-s.GlareX*float64(W), fy-s.GlareY*float64(H)
				l += s.Glare * math.Exp(-(dx*dx+dy*dy)/(gr*gr))
			}
			row[x] = clamp(l)
		}
	}
	if s.Blur >= 0.5 {
		boxBlur(img, int(s.Blur+0.5))
		boxBlur(img, int(s.Blur+0.5))
	}
	if s.Noise > 0 {
		for i, v := range img.Pix {
			img.Pix[i] = clamp(float64(v) + r.NormFloat64()*s.Noise)
		}
	}
	return img, nil
}

// JPEG renders s and encodes it as a colour JPEG stored with s's EXIF
// orientation, as a phone camera writes it.
func JPEG(s Spec) ([]byte, error) {
	g, err := Render(s)
	if err != nil {
		return nil, err
	}
	stored := unorient(g, s.Orientation)
	// A slight colour cast, so the file carries chroma like a camera's.
	b := stored.Bounds()
	img := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	copy(img.Y, stored.Pix)
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 124, 131
	}
	q := s.Quality
	if q == 0 {
		q = 88
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, err
	}
	return withOrientation(buf.Bytes(), s.Orientation), nil
}

// unorient turns the upright image into the stored pixels a camera would
// write with EXIF orientation o (the inverse of what a viewer applies).
func unorient(g *image.Gray, o int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	switch o {
	case 3:
		out := image.NewGray(image.Rect(0, 0, w, h))
		for i, v := range g.Pix {
			out.Pix[len(g.Pix)-1-i] = v
		}
		return out
	case 6, 8:
		// Orientation 6: the viewer turns the stored image 90° clockwise, so
		// store it turned 90° anticlockwise; 8 is the opposite.
		out := image.NewGray(image.Rect(0, 0, h, w))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var sx, sy int
				if o == 6 {
					sx, sy = y, w-1-x
				} else {
					sx, sy = h-1-y, x
				}
				out.Pix[sy*h+sx] = g.Pix[y*w+x]
			}
		}
		return out
	}
	return g
}

// withOrientation inserts an EXIF APP1 segment carrying only the
// orientation tag after the JPEG's SOI marker.
func withOrientation(j []byte, o int) []byte {
	if o <= 1 {
		return j
	}
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = binary.BigEndian.AppendUint16(tiff, 1)         // one entry
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)    // Orientation
	tiff = binary.BigEndian.AppendUint16(tiff, 3)         // SHORT
	tiff = binary.BigEndian.AppendUint32(tiff, 1)         // count
	tiff = binary.BigEndian.AppendUint16(tiff, uint16(o)) // value
	tiff = append(tiff, 0, 0)                             // padding
	tiff = binary.BigEndian.AppendUint32(tiff, 0)         // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{0xFF, 0xD8, 0xFF, 0xE1}, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, j[2:]...)
}

// boxBlur blurs in place with a (2r+1)² box, separably.
func boxBlur(g *image.Gray, r int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	tmp := make([]byte, len(g.Pix))
	pass := func(src, dst []byte, n, stride, count, step int) {
		for c := 0; c < count; c++ {
			base := c * step
			sum := 0
			for i := -r; i <= r; i++ {
				sum += int(src[base+min(max(i, 0), n-1)*stride])
			}
			for i := 0; i < n; i++ {
				dst[base+i*stride] = byte(sum / (2*r + 1))
				sum += int(src[base+min(i+r+1, n-1)*stride]) - int(src[base+max(i-r, 0)*stride])
			}
		}
	}
	pass(g.Pix, tmp, w, 1, h, w)
	pass(tmp, g.Pix, h, w, w, 1)
}

// homography returns h such that (h0 x + h1 y + h2, h3 x + h4 y + h5) /
// (h6 x + h7 y + 1) maps each src point to its dst point.
func homography(src, dst [4][2]float64) ([8]float64, error) {
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i][0], src[i][1], dst[i][0], dst[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return [8]float64{}, fmt.Errorf("photogen: degenerate projection")
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			k := a[r][c] / a[c][c]
			for j := c; j < 9; j++ {
				a[r][j] -= k * a[c][j]
			}
		}
	}
	var h [8]float64
	for i := range h {
		h[i] = a[i][8] / a[i][i]
	}
	return h, nil
}

func rad(d float64) float64 { return d * math.Pi / 180 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func clamp(v float64) byte {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return byte(v + 0.5)
}
