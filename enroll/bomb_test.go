package enroll_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofetch/twofetch/enroll"
)

// bombPNG is a w×h 16-bit RGBA PNG of zeros: a few hundred kilobytes that
// decode to 8 bytes a pixel. It is written row by row, so the test never
// holds the image.
func bombPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // 16 bits per sample, RGBA
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+w*8)
	for range h {
		zw.Write(row)
	}
	zw.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// Eight decompression bombs uploaded at once. Before photo decoding was
// bounded, eight 49-megapixel bombs (about 525 MB each) raised the heap
// by 2.3 GB. Now the large ones are refused from their header,
// the others decode one budget's worth at a time, every bomb gets a 4xx,
// other requests are answered meanwhile, and the heap stays below the
// decode budget plus a fixed allowance (documented in docs/security.md).
func TestAttackDecompressionBombs(t *testing.T) {
	const budget = 32 << 20
	e := newEnvWith(t, func(c *enroll.Config) { c.DecodeMemory = budget })
	_, link := e.start("en")
	large := bombPNG(t, 4100, 4100)  // 134 MB of pixels, over the PNG cap
	medium := bombPNG(t, 1500, 1500) // 18 MB of pixels: two exceed the budget
	t.Logf("bombs: %d KB → 134 MB, %d KB → 18 MB", len(large)>>10, len(medium)>>10)

	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()

	var wg sync.WaitGroup
	statuses := make([]int, 8)
	codes := make([]any, 8)
	for i := range 8 {
		photo := large
		if i%2 == 1 {
			photo = medium
		}
		wg.Go(func() {
			resp, m := e.postPhoto(link, photo)
			statuses[i], codes[i] = resp.StatusCode, m["error"]
		})
	}
	// The server answers other requests while the bombs are in flight.
	for range 3 {
		resp, err := http.Get(e.srv.URL + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("/healthz during the bombs: %v %v", err, resp)
		} else {
			resp.Body.Close()
		}
	}
	wg.Wait()
	close(stop)
	<-sampled

	for i, st := range statuses {
		want := http.StatusRequestEntityTooLarge // refused from the header
		if i%2 == 1 {
			want = http.StatusUnprocessableEntity // decoded within the budget: no code in it
		}
		if st != want {
			t.Errorf("bomb %d answered %d (%v), want %d", i, st, codes[i], want)
		}
	}
	grew := int64(peak.Load()) - int64(base)
	t.Logf("heap peak %d MB above the start (decode budget %d MB)", grew>>20, budget>>20)
	if bound := int64(budget + 128<<20); grew > bound {
		t.Errorf("heap grew by %d MB during the bombs, above the bound of %d MB", grew>>20, bound>>20)
	}
}
