package qrdecode

import (
	"errors"
	"math"

	"github.com/makiuchi-d/gozxing"
)

// plane is an 8-bit luminance image, rows packed without padding.
type plane struct {
	w, h int
	pix  []byte
	// orientation is the EXIF orientation still to be applied (1 = none).
	orientation int
}

func newPlane(w, h int) *plane {
	return &plane{w: w, h: h, pix: make([]byte, w*h), orientation: 1}
}

// half returns the plane downscaled by 2×2 averaging; an odd last row or
// column is dropped.
func (p *plane) half() *plane {
	w, h := p.w/2, p.h/2
	q := newPlane(w, h)
	q.orientation = p.orientation
	for y := 0; y < h; y++ {
		r0 := p.pix[2*y*p.w : 2*y*p.w+2*w]
		r1 := p.pix[(2*y+1)*p.w : (2*y+1)*p.w+2*w]
		out := q.pix[y*w : y*w+w]
		for x := range out {
			out[x] = uint8((uint(r0[2*x]) + uint(r0[2*x+1]) + uint(r1[2*x]) + uint(r1[2*x+1]) + 2) >> 2)
		}
	}
	return q
}

// oriented returns the plane turned upright according to its EXIF
// orientation; orientations 5–8 swap width and height.
func (p *plane) oriented() *plane {
	o := p.orientation
	if o <= 1 || o > 8 {
		return p
	}
	w, h := p.w, p.h
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	q := newPlane(ow, oh)
	for Y := 0; Y < oh; Y++ {
		out := q.pix[Y*ow : Y*ow+ow]
		for X := range out {
			var x, y int
			switch o {
			case 2:
				x, y = w-1-X, Y
			case 3:
				x, y = w-1-X, h-1-Y
			case 4:
				x, y = X, h-1-Y
			case 5:
				x, y = Y, X
			case 6:
				x, y = Y, h-1-X
			case 7:
				x, y = w-1-Y, h-1-X
			case 8:
				x, y = w-1-Y, X
			}
			out[X] = p.pix[y*w+x]
		}
	}
	return q
}

// source adapts a plane to gozxing's LuminanceSource without copying.
type source struct {
	gozxing.LuminanceSourceBase
	p *plane
}

func newSource(p *plane) *source {
	return &source{gozxing.LuminanceSourceBase{Width: p.w, Height: p.h}, p}
}

func (s *source) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= s.p.h {
		return nil, errors.New("qrdecode: row outside the image")
	}
	if len(row) < s.p.w {
		row = make([]byte, s.p.w)
	}
	copy(row, s.p.pix[y*s.p.w:(y+1)*s.p.w])
	return row, nil
}

func (s *source) GetMatrix() []byte { return s.p.pix }

func (s *source) Invert() gozxing.LuminanceSource { return gozxing.LuminanceSourceInvert(s) }

func (s *source) String() string { return gozxing.LuminanceSourceString(s) }

// double returns the plane upscaled 2× with bilinear interpolation.
func (p *plane) double() *plane {
	w, h := p.w, p.h
	q := newPlane(2*w, 2*h)
	at := func(x, y int) uint {
		return uint(p.pix[min(y, h-1)*w+min(x, w-1)])
	}
	for y := 0; y < h; y++ {
		o0 := q.pix[2*y*q.w : 2*y*q.w+q.w]
		o1 := q.pix[(2*y+1)*q.w : (2*y+1)*q.w+q.w]
		for x := 0; x < w; x++ {
			a, b, c, d := at(x, y), at(x+1, y), at(x, y+1), at(x+1, y+1)
			o0[2*x] = uint8(a)
			o0[2*x+1] = uint8((a + b + 1) / 2)
			o1[2*x] = uint8((a + c + 1) / 2)
			o1[2*x+1] = uint8((a + b + c + d + 2) / 4)
		}
	}
	return q
}

// blurred returns a 3×3 box-filtered copy, which fills the gaps moiré and
// sensor noise leave in modules.
func (p *plane) blurred() *plane {
	w, h := p.w, p.h
	q := newPlane(w, h)
	q.orientation = p.orientation
	for y := 0; y < h; y++ {
		r0 := p.pix[max(y-1, 0)*w:]
		r1 := p.pix[y*w:]
		r2 := p.pix[min(y+1, h-1)*w:]
		out := q.pix[y*w : y*w+w]
		for x := range out {
			xl, xr := max(x-1, 0), min(x+1, w-1)
			s := uint(r0[xl]) + uint(r0[x]) + uint(r0[xr]) + uint(r1[xl]) + uint(r1[x]) + uint(r1[xr]) + uint(r2[xl]) + uint(r2[x]) + uint(r2[xr])
			out[x] = uint8((s + 4) / 9)
		}
	}
	return q
}

// sharpened returns an unsharp-masked copy, which steepens the module edges
// of a slightly out-of-focus photo.
func (p *plane) sharpened() *plane {
	b := p.blurred()
	q := newPlane(p.w, p.h)
	q.orientation = p.orientation
	for i, v := range p.pix {
		q.pix[i] = clamp8(2*int(v) - int(b.pix[i]))
	}
	return q
}

// rotated45 returns the plane turned 45° about its centre (bilinear), in a
// frame large enough to hold all of it; uncovered pixels are white.
func (p *plane) rotated45() *plane {
	w, h := p.w, p.h
	side := int(float64(w+h)/math.Sqrt2) + 2
	q := newPlane(side, side)
	for Y := 0; Y < side; Y++ {
		out := q.pix[Y*side : Y*side+side]
		for X := range out {
			s := unrotate45(Point{float64(X), float64(Y)}, q, p)
			sx, sy := s.X, s.Y
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				out[X] = 255
				continue
			}
			fx, fy := sx-float64(x0), sy-float64(y0)
			i := y0*w + x0
			top := float64(p.pix[i])*(1-fx) + float64(p.pix[i+1])*fx
			bot := float64(p.pix[i+w])*(1-fx) + float64(p.pix[i+w+1])*fx
			out[X] = uint8(top*(1-fy) + bot*fy + 0.5)
		}
	}
	return q
}

// unrotate45 maps a point of rot, made by src.rotated45(), back to src.
func unrotate45(pt Point, rot, src *plane) Point {
	const k = math.Sqrt2 / 2
	dx, dy := pt.X-float64(rot.w)/2, pt.Y-float64(rot.h)/2
	return Point{float64(src.w)/2 + k*(dx+dy), float64(src.h)/2 + k*(dy-dx)}
}

// rotate45 maps a point of src to rot, made by src.rotated45().
func rotate45(pt Point, src, rot *plane) Point {
	const k = math.Sqrt2 / 2
	dx, dy := pt.X-float64(src.w)/2, pt.Y-float64(src.h)/2
	return Point{float64(rot.w)/2 + k*(dx-dy), float64(rot.h)/2 + k*(dx+dy)}
}

// bilinear samples p at (x, y) in pixel coordinates (pixel centres at .5),
// clamped to the edges.
func (p *plane) bilinear(x, y float64) float64 {
	x, y = x-0.5, y-0.5
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(x, y int) float64 {
		return float64(p.pix[min(max(y, 0), p.h-1)*p.w+min(max(x, 0), p.w-1)])
	}
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return top*(1-fy) + bot*fy
}
