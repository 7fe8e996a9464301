package qrdecode

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"
	"golang.org/x/image/webp"

	ijpeg "github.com/twofetch/twofetch/qrdecode/internal/jpeg"
)

type format int

const (
	formatUnknown format = iota
	formatJPEG
	formatPNG
	formatGIF
	formatWebP
	formatHEIC
	formatAVIF
	// formatHEIF is another ISO base media image (a brand neither HEIC
	// nor AVIF).
	formatHEIF
)

// sniff names the format from the leading bytes, so a wrong file extension
// or Content-Type never decides which decoder sees the bytes.
func sniff(b []byte) format {
	switch {
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xD8:
		return formatJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return formatGIF
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return formatWebP
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		// ISO base media: HEIC from iPhones, AVIF from newer Android
		// phones and browsers. The brands say which codec is inside.
		return isoBrand(b)
	}
	return formatUnknown
}

// isoBrand reads the major and compatible brands of an ftyp box.
func isoBrand(b []byte) format {
	size := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if size < 16 || size > len(b) || size > 4096 {
		size = min(len(b), 64)
	}
	brands := []string{string(b[8:12])}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, string(b[i:i+4]))
	}
	for _, br := range brands {
		switch br {
		case "avif", "avis":
			return formatAVIF
		case "heic", "heix", "heim", "heis", "hevc", "hevx":
			return formatHEIC
		}
	}
	return formatHEIF
}

type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[format]codec{
	formatJPEG: {jpeg.DecodeConfig, jpeg.Decode},
	formatPNG:  {png.DecodeConfig, png.Decode},
	formatGIF:  {gif.DecodeConfig, gif.Decode},
	formatWebP: {webp.DecodeConfig, webp.Decode},
	// libheif with libde265, and libavif with dav1d, compiled to
	// WebAssembly and run by wazero: no cgo. (Where the system has the
	// unversioned shared library and the binary is dynamic, the packages
	// load that instead.)
	formatHEIC: {heic.DecodeConfig, heic.Decode},
	formatAVIF: {avif.DecodeConfig, avif.Decode},
}

// photo is a decoded (or, for JPEG, decodable) photo as stored in the file,
// before its EXIF orientation is applied.
type photo struct {
	w, h        int
	orientation int
	// jpeg holds the file when luma planes can be decoded at reduced scale
	// straight from the DCT coefficients.
	jpeg []byte
	// full is the full-resolution luminance of every other photo.
	full *plane
}

// load checks the caps and decodes the photo. JPEGs are decoded at the
// scales needed, the first of them here, which checks the whole file.
func load(data []byte, opts Options) (*photo, *pyramid, error) {
	if len(data) > opts.MaxBytes {
		return nil, nil, fmt.Errorf("%w: %d MB, the limit is %d MB", ErrTooLarge, len(data)>>20, opts.MaxBytes>>20)
	}
	f := sniff(data)
	switch f {
	case formatUnknown:
		return nil, nil, ErrUnsupportedFormat
	case formatHEIF:
		return nil, nil, fmt.Errorf("%w: an HEIF image that is neither HEIC nor AVIF", ErrUnsupportedFormat)
	}
	c := codecs[f]
	cfg, err := c.config(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, nil, fmt.Errorf("%w: the image has no pixels", ErrCorrupt)
	}
	if limit := pixelLimit(f, opts); int64(cfg.Width)*int64(cfg.Height) > int64(limit) {
		return nil, nil, fmt.Errorf("%w: %d×%d pixels, the limit is %.1f megapixels", ErrTooLarge, cfg.Width, cfg.Height, float64(limit)/1e6)
	}
	ph := &photo{w: cfg.Width, h: cfg.Height, orientation: 1}
	if f == formatJPEG {
		ph.orientation = jpegOrientation(data)
		ph.jpeg = data
	} else {
		img, err := c.decode(bytes.NewReader(data))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		b := img.Bounds()
		if int64(b.Dx())*int64(b.Dy()) > int64(pixelLimit(f, opts)) || b.Empty() {
			// The header and the decoded frame disagree (a GIF frame, say).
			return nil, nil, fmt.Errorf("%w: the decoded size does not match the header", ErrCorrupt)
		}
		ph.full = luminance(img)
		ph.w, ph.h = b.Dx(), b.Dy()
	}
	py := newPyramid(ph)
	// Decoding one level finer than the start level costs little more (the
	// entropy decoding dominates and is the same at every scale) and spares
	// a second pass over the file when the larger level is tried.
	if _, err := py.stored(max(py.start-1, 0)); err != nil {
		return nil, nil, err
	}
	return ph, py, nil
}

// decodeLevel returns the stored-orientation luminance at 1/2^level scale.
func (ph *photo) decodeLevel(level int) (*plane, error) {
	if ph.jpeg == nil || level > 3 {
		return nil, errNoDirectDecode
	}
	g, err := ijpeg.DecodeGray(bytes.NewReader(ph.jpeg), uint(level))
	if errors.Is(err, ijpeg.ErrNotLuma) {
		if level != 0 {
			return nil, errNoDirectDecode
		}
		img, err := jpeg.Decode(bytes.NewReader(ph.jpeg))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return luminance(img), nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return luminance(g), nil
}

var errNoDirectDecode = errors.New("qrdecode: level not decodable directly")

// luminance copies the image's brightness into a compact plane, reading the
// pixel slices of the concrete image types. Transparent pixels are
// composited over white, as a browser shows a transparent PNG.
func luminance(img image.Image) *plane {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	p := newPlane(w, h)
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			off := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(p.pix[y*w:(y+1)*w], m.Y[off:off+w])
		}
	case *image.NYCbCrA:
		for y := 0; y < h; y++ {
			yo := m.YOffset(b.Min.X, b.Min.Y+y)
			ao := m.AOffset(b.Min.X, b.Min.Y+y)
			row := p.pix[y*w : (y+1)*w]
			for x := range row {
				row[x] = overWhite(m.Y[yo+x], m.A[ao+x])
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(p.pix[y*w:(y+1)*w], m.Pix[off:off+w])
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			row := p.pix[y*w : (y+1)*w]
			for x := range row {
				row[x] = src[2*x]
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			row := p.pix[y*w : (y+1)*w]
			for x := range row {
				s := src[4*x : 4*x+4 : 4*x+4]
				row[x] = overWhite(luma(s[0], s[1], s[2]), s[3])
			}
		}
	case *image.NRGBA64:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			row := p.pix[y*w : (y+1)*w]
			for x := range row {
				s := src[8*x : 8*x+8 : 8*x+8]
				row[x] = overWhite(luma(s[0], s[2], s[4]), s[6])
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			row := p.pix[y*w : (y+1)*w]
			for x := range row {
				s := src[4*x : 4*x+4 : 4*x+4]
				// Premultiplied: adding the uncovered share of white composites.
				row[x] = clamp8(int(luma(s[0], s[1], s[2])) + 255 - int(s[3]))
			}
		}
	case *image.RGBA64:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			row := p.pix[y*w : (y+1)*w]
			for x := range row {
				s := src[8*x : 8*x+8 : 8*x+8]
				row[x] = clamp8(int(luma(s[0], s[2], s[4])) + 255 - int(s[6]))
			}
		}
	case *image.Paletted:
		var lut [256]byte
		for i, c := range m.Palette {
			r, g, bl, a := c.RGBA()
			lut[i] = clamp8(int(luma(uint8(r>>8), uint8(g>>8), uint8(bl>>8))) + 255 - int(a>>8))
		}
		for y := 0; y < h; y++ {
			off := m.PixOffset(b.Min.X, b.Min.Y+y)
			row := p.pix[y*w : (y+1)*w]
			for x, idx := range m.Pix[off : off+w] {
				row[x] = lut[idx]
			}
		}
	case *image.CMYK:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			row := p.pix[y*w : (y+1)*w]
			for x := range row {
				s := src[4*x : 4*x+4 : 4*x+4]
				k := 255 - int(s[3])
				row[x] = luma(uint8((255-int(s[0]))*k/255), uint8((255-int(s[1]))*k/255), uint8((255-int(s[2]))*k/255))
			}
		}
	default:
		// No decoder used here returns another type; keep a correct if
		// slower path rather than fail.
		g := image.NewGray(image.Rect(0, 0, w, h))
		draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
		copy(p.pix, g.Pix)
	}
	return p
}

// luma is the Rec. 601 weighting JPEG uses for Y.
func luma(r, g, b uint8) uint8 {
	return uint8((19595*uint32(r) + 38470*uint32(g) + 7471*uint32(b) + 1<<15) >> 16)
}

func overWhite(l, a uint8) uint8 {
	return uint8((uint32(l)*uint32(a) + 255*(255-uint32(a)) + 127) / 255)
}

func clamp8(v int) uint8 {
	if v > 255 {
		return 255
	}
	if v < 0 {
		return 0
	}
	return uint8(v)
}
