package jpeg

import "math"

// scaledCos[n][x][u] is C(u)·cos((2x+1)uπ/2n)/2 for the n-point inverse DCT
// of the n lowest of 8 coefficients (n = 1, 2, 4). With C(0) = 1/√2 a block
// holding only its DC term yields its mean, as the full 8×8 transform does,
// so every output pixel approximates the mean of the (8/n)² pixels it
// replaces.
var scaledCos [5][4][4]float32

func init() {
	for _, n := range []int{1, 2, 4} {
		for x := 0; x < n; x++ {
			for u := 0; u < n; u++ {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				scaledCos[n][x][u] = float32(c * math.Cos(float64(2*x+1)*float64(u)*math.Pi/float64(2*n)) / 2)
			}
		}
	}
}

// scaledIDCT writes the n×n (n < 8) reduced inverse DCT of the dequantized
// block b, level-shifted and clipped, to dst.
func scaledIDCT(b *block, n int, dst []byte, stride int) {
	var tmp [4][4]float32 // tmp[v][x]: rows transformed
	t := &scaledCos[n]
	flat := true // only the DC term: the common case in flat areas
	for v := 0; v < n && flat; v++ {
		for u := 0; u < n; u++ {
			if (u != 0 || v != 0) && b[v*8+u] != 0 {
				flat = false
				break
			}
		}
	}
	if flat {
		c := float32(b[0])/8 + 128.5
		var px uint8
		switch {
		case c < 0:
			px = 0
		case c > 255:
			px = 255
		default:
			px = uint8(c)
		}
		for y := 0; y < n; y++ {
			row := dst[y*stride : y*stride+n]
			for x := range row {
				row[x] = px
			}
		}
		return
	}
	for v := 0; v < n; v++ {
		for x := 0; x < n; x++ {
			var s float32
			for u := 0; u < n; u++ {
				s += t[x][u] * float32(b[v*8+u])
			}
			tmp[v][x] = s
		}
	}
	for y := 0; y < n; y++ {
		row := dst[y*stride : y*stride+n]
		for x := range row {
			var s float32
			for v := 0; v < n; v++ {
				s += t[y][v] * tmp[v][x]
			}
			c := s + 128.5
			switch {
			case c < 0:
				row[x] = 0
			case c > 255:
				row[x] = 255
			default:
				row[x] = uint8(c)
			}
		}
	}
}
