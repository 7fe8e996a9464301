package qrdecode

import (
	"bytes"
	"fmt"
	"image/color"
)

// pixelLimit is the pixel cap of a format: JPEGs are decoded scaled down
// from their DCT coefficients, every other format whole.
func pixelLimit(f format, opts Options) int {
	if f == formatJPEG {
		return opts.MaxPixels
	}
	return min(opts.MaxPixels, opts.MaxPixelsFull)
}

// Cost estimates, from the header alone, the most memory Decode allocates
// for data, so a server can bound the memory of all decodes at once (a
// weighted semaphore). It returns the caps' errors (ErrTooLarge,
// ErrUnsupportedFormat, ErrCorrupt) without decoding a pixel.
func Cost(data []byte, opts Options) (int64, error) {
	opts = opts.withDefaults()
	if len(data) > opts.MaxBytes {
		return 0, fmt.Errorf("%w: %d MB, the limit is %d MB", ErrTooLarge, len(data)>>20, opts.MaxBytes>>20)
	}
	f := sniff(data)
	if f == formatUnknown || f == formatHEIF {
		return 0, ErrUnsupportedFormat
	}
	cfg, err := codecs[f].config(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, fmt.Errorf("%w: the image has no pixels", ErrCorrupt)
	}
	if limit := pixelLimit(f, opts); px > int64(limit) {
		return 0, fmt.Errorf("%w: %d×%d pixels, the limit is %.1f megapixels", ErrTooLarge, cfg.Width, cfg.Height, float64(limit)/1e6)
	}
	// Per pixel: the luminance plane and its pyramid (about 2 bytes), plus
	// the decoder's own: a baseline JPEG's scaled planes (2 more), a
	// progressive JPEG's coefficients (6 more, assumed whenever its marker
	// may be present), other formats' whole decoded image. HEIC and AVIF
	// decode inside a WebAssembly memory (the decoder's YUV planes and
	// the RGBA it hands over) before the Go image is made: 12 more.
	perPixel := int64(2)
	switch {
	case f == formatJPEG && bytes.Contains(data, []byte{0xFF, 0xC2}):
		perPixel += 8
	case f == formatJPEG:
		perPixel += 2
	case f == formatHEIC || f == formatAVIF:
		perPixel += 12 + bytesPerPixel(cfg.ColorModel)
	default:
		perPixel += bytesPerPixel(cfg.ColorModel)
	}
	return px*perPixel + int64(len(data)), nil
}

func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8 // 16-bit colour, YCbCr with alpha, anything unknown: assume the widest
}
