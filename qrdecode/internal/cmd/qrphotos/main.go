// Command qrphotos writes a set of synthetic 12 MP phone photos of QR codes
// on monitors (see package photogen) with .txt ground truth beside each, in
// the layout "twofetch qr bench" reads. Photos without a code go to
// DIR/nocode with an empty .txt.
//
//	go run ./qrdecode/internal/cmd/qrphotos -out /tmp/qrsynth -n 40
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/twofetch/twofetch/qrdecode/internal/photogen"
)

func main() {
	out := flag.String("out", "", "directory to write the photos to")
	n := flag.Int("n", 40, "photos with a code")
	none := flag.Int("nocode", 8, "photos without a code")
	seed := flag.Uint64("seed", 1, "first seed; photo i uses seed+i")
	flag.Parse()
	if *out == "" {
		log.Fatal("qrphotos: -out DIR is required")
	}
	write := func(dir, name string, s photogen.Spec, want string) {
		b, err := photogen.JPEG(s)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".jpg"), b, 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(want), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	for i := 0; i < *n; i++ {
		sd := *seed + uint64(i)
		text := photogen.OTPAuthURI(sd)
		write(*out, fmt.Sprintf("%03d", i), photogen.Random(sd, text), text)
	}
	for i := 0; i < *none; i++ {
		s := photogen.Random(*seed+1000+uint64(i), "")
		s.NoCode = true
		write(filepath.Join(*out, "nocode"), fmt.Sprintf("%03d", i), s, "")
	}
}
