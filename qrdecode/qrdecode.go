// Package qrdecode turns a photo of a QR code into the texts it encodes.
//
// The photos come from customers pointing a phone at a computer monitor: 12 MP
// JPEGs with moiré, glare, blur, perspective, dark mode and an EXIF
// orientation. A single pass of a QR decoder reads few of them, so Decode runs
// a pipeline of passes (a pyramid of downscaled copies, several binarizers,
// inverted luminance, crops around finder-pattern candidates) under a time
// budget and returns every distinct code it finds.
package qrdecode

import (
	"context"
	"errors"
	"time"
)

// Errors returned by Decode; test with errors.Is. Their messages are meant for
// the customer who sent the photo.
var (
	// ErrNoCode means the photo was read but no QR code was found in it.
	ErrNoCode = errors.New("no QR code found in the photo; take it again closer, straight on and in focus")
	// ErrTooLarge means the photo exceeds the byte or pixel limit.
	ErrTooLarge = errors.New("the photo is too large")
	// ErrUnsupportedFormat means the bytes are not a JPEG, PNG, GIF, WebP,
	// HEIC or AVIF image.
	ErrUnsupportedFormat = errors.New("unsupported image format; send a photo or a screenshot")
	// ErrCorrupt means the file claims a supported format but cannot be decoded.
	ErrCorrupt = errors.New("the image file is damaged or incomplete")
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultMaxBytes  = 32 << 20
	DefaultMaxPixels = 50_000_000
	// DefaultMaxPixelsFull caps PNG, GIF and WebP, which are decoded whole
	// at full size (up to 8 bytes a pixel for 16-bit PNGs): a phone
	// screenshot is under 4 MP, a photo saved as PNG 12 MP.
	DefaultMaxPixelsFull = 16_000_000
	DefaultBudget        = 3 * time.Second
)

// Options bound the work Decode does on one photo.
type Options struct {
	// MaxBytes caps the size of the encoded photo. If zero, DefaultMaxBytes.
	MaxBytes int
	// MaxPixels caps width×height as declared in the image header, checked
	// before any pixel is decoded; it bounds memory per photo. A baseline
	// JPEG costs about 4 bytes per pixel allocated in all (49 MB for a
	// 12 MP photo searched to the end), a progressive JPEG 6 more (the
	// decoder keeps every DCT coefficient), PNG, GIF and WebP up to 5 more
	// for the decoded image. If zero, DefaultMaxPixels.
	MaxPixels int
	// MaxPixelsFull is the lower cap for formats that cannot be decoded
	// scaled down (PNG, GIF, WebP). If zero, DefaultMaxPixelsFull.
	MaxPixelsFull int
	// Budget is the wall-clock time Decode may spend, image decoding
	// included, before it gives up with what it has found; the first pass
	// always runs to completion. If zero, DefaultBudget. The effort spent
	// on a photo is bounded separately by a fixed amount of work (about
	// 300 ms of CPU on a 2-core server, which is when a photo without a
	// code is given up), so results do not depend on machine load; Budget
	// is the limit for a machine so busy that even that takes too long.
	Budget time.Duration
	// Exhaustive runs every pass until the budget is spent, looking for
	// further codes. Without it, Decode stops one group of passes after
	// the group that found the first accepted code, or when the work bound
	// is reached.
	Exhaustive bool
	// Accept, when set, tells which codes end the search: Decode keeps
	// looking (within the work bound) until it has found one Accept
	// returns true for, and returns every code found either way. A setup
	// page often shows an app-store link beside the authenticator code; a
	// caller that wants the latter passes, say, a check for "otpauth". If
	// nil, any code ends the search.
	Accept func(text string) bool
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.MaxPixelsFull <= 0 {
		o.MaxPixelsFull = DefaultMaxPixelsFull
	}
	if o.Budget <= 0 {
		o.Budget = DefaultBudget
	}
	return o
}

// Result is one decoded QR code.
type Result struct {
	// Text is the decoded content.
	Text string
	// Pass names the pipeline pass that decoded it, e.g. "1000px/hybrid".
	Pass string
	// Points are the code's finder-pattern centres (and alignment pattern
	// when found) in the coordinates of the upright photo.
	Points []Point
}

// Point is a position in the upright photo, in pixels.
type Point struct{ X, Y float64 }

// Decode returns every QR code found in photo, in the order found. It returns
// ErrNoCode when the photo holds none (or none was found within the budget),
// and ErrTooLarge, ErrUnsupportedFormat or ErrCorrupt when the photo cannot be
// read. ctx cancellation stops the search between passes.
func Decode(ctx context.Context, photo []byte, opts Options) ([]Result, error) {
	opts = opts.withDefaults()
	deadline := time.Now().Add(opts.Budget)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_, py, err := load(photo, opts)
	if err != nil {
		return nil, err
	}
	s := newSearch(ctx, py, deadline, opts.Exhaustive)
	s.accept = opts.Accept
	res := s.run()
	if len(res) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNoCode
	}
	return res, nil
}
