package qrdecode

import (
	"context"
	"testing"

	"github.com/twofetch/twofetch/qrdecode/internal/photogen"
)

// BenchmarkDecode12MP measures a typical customer photo: 12 MP JPEG of a
// tilted monitor with moiré, noise and an EXIF rotation, JPEG decoding
// included.
func BenchmarkDecode12MP(b *testing.B) {
	text := photogen.OTPAuthURI(5)
	photo, err := photogen.JPEG(photogen.Spec{Width: 4000, Height: 3000, Text: text, Tilt: 25, TiltAxis: 30,
		Rotation: 80, Moire: 0.4, Noise: 3, Blur: 1, Orientation: 6, Seed: 5})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(photo)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Decode(context.Background(), photo, Options{})
		if err != nil || res[0].Text != text {
			b.Fatalf("Decode: %v %v", res, err)
		}
	}
}

// BenchmarkDecode12MPNoCode measures how long Decode takes to give up.
func BenchmarkDecode12MPNoCode(b *testing.B) {
	photo, err := photogen.JPEG(photogen.Spec{Width: 4000, Height: 3000, NoCode: true, Tilt: 25, Moire: 0.4, Noise: 3, Seed: 6})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(context.Background(), photo, Options{}); err != ErrNoCode {
			b.Fatalf("Decode: %v", err)
		}
	}
}
