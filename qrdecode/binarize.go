package qrdecode

import (
	"github.com/makiuchi-d/gozxing"
)

// binarizer turns luminance into modules: true (set) is black.
type binarizer func(p *plane) (*gozxing.BitMatrix, error)

func hybrid(p *plane) (*gozxing.BitMatrix, error) {
	return gozxing.NewHybridBinarizer(newSource(p)).GetBlackMatrix()
}

func globalHistogram(p *plane) (*gozxing.BitMatrix, error) {
	return gozxing.NewGlobalHistgramBinarizer(newSource(p)).GetBlackMatrix()
}

// adaptive returns a local-mean binarizer (Bradley–Roth): a pixel is black
// when it is darker than the mean of the window around it by more than
// percent. windowDiv sets the window side as the shorter image side divided
// by windowDiv. Unlike the hybrid binarizer's fixed 8-pixel blocks, the
// window follows the image size, so it spans a few modules of a code that
// fills a sizeable part of the frame, which keeps finder patterns solid under
// glare gradients and moiré.
func adaptive(windowDiv, percent int) binarizer {
	return func(p *plane) (*gozxing.BitMatrix, error) {
		w, h := p.w, p.h
		r := max(min(w, h)/windowDiv/2, 4)
		integ := integral(p)
		m, err := gozxing.NewBitMatrix(w, h)
		if err != nil {
			return nil, err
		}
		W := w + 1
		for y := 0; y < h; y++ {
			y0, y1 := max(y-r, 0), min(y+r+1, h)
			row := p.pix[y*w : y*w+w]
			top, bot := integ[y0*W:y0*W+W], integ[y1*W:y1*W+W]
			for x := range row {
				x0, x1 := max(x-r, 0), min(x+r+1, w)
				// Wrapping uint32 arithmetic gives the exact window sum as
				// long as the window itself sums below 2³², whatever the
				// image size.
				sum := bot[x1] - bot[x0] - top[x1] + top[x0]
				area := uint32((x1 - x0) * (y1 - y0))
				if uint64(row[x])*uint64(area)*100 < uint64(sum)*uint64(100-percent) {
					m.Set(x, y)
				}
			}
		}
		return m, nil
	}
}

// integral returns the summed-area table of p with a zero first row and
// column: (w+1)×(h+1) entries.
func integral(p *plane) []uint32 {
	w, h := p.w, p.h
	W := w + 1
	s := make([]uint32, W*(h+1))
	for y := 0; y < h; y++ {
		var run uint32
		row := p.pix[y*w : y*w+w]
		prev, cur := s[y*W:y*W+W], s[(y+1)*W:(y+1)*W+W]
		for x, v := range row {
			run += uint32(v)
			cur[x+1] = prev[x+1] + run
		}
	}
	return s
}

// inverted returns 255-p, for light codes on dark backgrounds (dark mode).
func (p *plane) inverted() *plane {
	q := &plane{w: p.w, h: p.h, pix: make([]byte, len(p.pix)), orientation: p.orientation}
	for i, v := range p.pix {
		q.pix[i] = 255 - v
	}
	return q
}
