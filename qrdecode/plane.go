package qrdecode

import (
	"errors"

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

// crop copies a rectangle, clipped to the plane.
func (p *plane) crop(x0, y0, x1, y1 int) *plane {
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, p.w), min(y1, p.h)
	if x1 <= x0 || y1 <= y0 {
		return newPlane(1, 1)
	}
	q := newPlane(x1-x0, y1-y0)
	for y := y0; y < y1; y++ {
		copy(q.pix[(y-y0)*q.w:(y-y0+1)*q.w], p.pix[y*p.w+x0:y*p.w+x1])
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
