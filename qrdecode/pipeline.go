package qrdecode

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// startSide is the long side, in pixels, of the first pyramid level tried.
// Phone photos of a screen decode best at about 1000 px: the module edges are
// still sharp, moiré and sensor noise are averaged away, and a pass costs
// tens of milliseconds instead of hundreds.
const startSide = 720

// maxCodes bounds how many codes one binarized image may yield, so a
// pathological image cannot keep the masking loop going.
const maxCodes = 8

// pass is one attempt: a binarizer on one pyramid level, after an optional
// preprocessing step.
type pass struct {
	level int // 0 is full resolution, each level halves the previous, -1 doubles
	prep  prep
	bin   binarizer
	name  string
}

type prep int

const (
	prepNone prep = iota
	prepInvert
	prepBlur
	prepSharpen
	prepRotate45
)

var prepNames = [...]string{"", "inverted-", "blurred-", "sharpened-", "rotated-"}

type found struct {
	Result
	// finders outline the code's three finder patterns in upright
	// full-resolution pixels; later passes blank them so they find other
	// codes, including one nested inside or overlapping this one.
	finders [3][4]Point
}

type search struct {
	ctx        context.Context
	deadline   time.Time
	exhaustive bool
	accept     func(string) bool
	cur        *plane // the luminance the current pass binarized
	// tiltedTries counts decodeTilted's corner guesses over all passes.
	tiltedTries int

	py *pyramid

	found []found
	seen  map[string]bool
	work  int // pixels binarized and scanned so far
	hints map[gozxing.DecodeHintType]interface{}
	dec   *decoder.Decoder
}

func newSearch(ctx context.Context, py *pyramid, deadline time.Time, exhaustive bool) *search {
	return &search{
		ctx:        ctx,
		deadline:   deadline,
		exhaustive: exhaustive,
		py:         py,
		seen:       map[string]bool{},
		hints:      map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true},
		dec:        decoder.NewDecoder(),
	}
}

// plan lists the passes in the order tried, grouped by level: the level of
// about 1000 px first with every binarizer, then one level smaller (blur and
// moiré), then the larger levels (small codes in a large frame).
func (s *search) plan() [][]pass {
	ph := s.py.ph
	long, start := max(ph.w, ph.h), s.py.start
	var groups [][]pass
	add := func(level int, ps ...pass) {
		if level < -1 || level > 0 && min(ph.w, ph.h)>>level < 21 {
			return
		}
		for i := range ps {
			ps[i].level = level
		}
		groups = append(groups, ps)
	}
	p := func(pr prep, bin binarizer, name string) pass { return pass{prep: pr, bin: bin, name: name} }
	hy, gh := p(prepNone, hybrid, "hybrid"), p(prepNone, globalHistogram, "global")
	ad := p(prepNone, adaptive(8, 10), "adaptive")
	add(start, hy, p(prepInvert, hybrid, "hybrid"), ad, gh, p(prepInvert, adaptive(8, 10), "adaptive"),
		p(prepSharpen, globalHistogram, "global"), p(prepBlur, globalHistogram, "global"))
	add(start+1, hy, ad, p(prepBlur, hybrid, "hybrid"), p(prepSharpen, hybrid, "hybrid"), p(prepInvert, hybrid, "hybrid"), p(prepNone, adaptive(8, 20), "adaptive20"))
	if long < 2*startSide {
		// Small, soft photos: finder patterns a few pixels wide read better
		// interpolated to twice the size.
		add(-1, hy, ad, p(prepSharpen, globalHistogram, "global"), p(prepNone, adaptive(4, 10), "adaptive4"),
			p(prepNone, adaptive(16, 10), "adaptive16"), p(prepSharpen, adaptive(4, 10), "adaptive4"), p(prepInvert, hybrid, "hybrid"))
	}
	if long >= 2*startSide {
		add(start-1, hy, ad, p(prepInvert, hybrid, "hybrid"), p(prepSharpen, globalHistogram, "global"), p(prepNone, adaptive(4, 10), "adaptive4"))
	}
	add(start, p(prepRotate45, adaptive(8, 5), "adaptive5"), p(prepRotate45, hybrid, "hybrid"))
	add(start+2, hy, ad)
	add(start-2, hy, ad)
	return groups
}

// workLimit bounds the pixels all passes of one photo may binarize and scan
// together, so the effort spent on a photo (and the time before a photo
// without a code is given up) does not depend on how busy the machine is:
// about 25 passes at 1000 px, which gives up on a 12 MP photo without a
// code after about 250 ms of CPU on the reference machine.
const workLimit = 18_000_000

func (s *search) run() []Result {
	groups := s.plan()
	ran := 0
	for i := 0; i < len(groups); i++ {
		for _, p := range groups[i] {
			if ran > 0 && (time.Now().After(s.deadline) || s.ctx.Err() != nil) {
				return s.results()
			}
			if ran > 0 && !s.exhaustive && s.work+s.cost(p) > workLimit {
				continue // a cheaper pass further on may still fit
			}
			s.runPass(p)
			ran++
		}
		if s.done() && !s.exhaustive {
			// A second code on the page (an app-store link beside the
			// authenticator code, a code printed inside another) often
			// differs in size or contrast from the first: give one more
			// group of passes a chance at it, a finer one where that is
			// cheap (small photos), then stop.
			next := i + 1
			if max(s.py.ph.w, s.py.ph.h) < 2*startSide {
				for j := i + 1; j < len(groups); j++ {
					if groups[j][0].level < groups[i][0].level {
						next = j
						break
					}
				}
			}
			if next < len(groups) {
				for _, p := range groups[next] {
					if time.Now().After(s.deadline) || s.ctx.Err() != nil {
						break
					}
					if s.work+s.cost(p) <= workLimit {
						s.runPass(p)
					}
				}
			}
			return s.results()
		}
	}
	return s.results()
}

// cost estimates the pixels pass p binarizes and scans.
func (s *search) cost(p pass) int {
	w, h := s.py.ph.w, s.py.ph.h
	var c int
	if p.level < 0 {
		c = 4 * w * h
	} else {
		c = (w >> p.level) * (h >> p.level)
	}
	if p.prep == prepRotate45 {
		c *= 2 // the turned frame holds the whole image
	}
	return c
}

// done reports whether a code that ends the search has been found.
func (s *search) done() bool {
	for _, f := range s.found {
		if s.accept == nil || s.accept(f.Text) {
			return true
		}
	}
	return false
}

func (s *search) results() []Result {
	out := make([]Result, len(s.found))
	for i, f := range s.found {
		out[i] = f.Result
	}
	return out
}

// pyramid holds the photo's luminance at the scales the passes use, built
// on first use.
type pyramid struct {
	ph    *photo
	start int // the level passes begin with: its long side is about 1000 px
	// stored levels keep the file's orientation; upright ones have the
	// EXIF orientation applied; prepped ones are preprocessed upright ones.
	asStored map[int]*plane
	upright  map[int]*plane
	prepped  map[[2]int]*plane
}

func newPyramid(ph *photo) *pyramid {
	long, start := max(ph.w, ph.h), 0
	for long>>(start+1) >= startSide {
		start++
	}
	return &pyramid{ph: ph, start: start, asStored: map[int]*plane{}, upright: map[int]*plane{}, prepped: map[[2]int]*plane{}}
}

// stored returns level i (≥ 0) in the file's orientation: halved from the
// next finer level when that is at hand, otherwise decoded at that scale
// straight from a JPEG's DCT coefficients, otherwise halved recursively.
func (py *pyramid) stored(i int) (*plane, error) {
	if p, ok := py.asStored[i]; ok {
		return p, nil
	}
	var p *plane
	if q, ok := py.asStored[i-1]; ok && i > 0 {
		p = q.half()
	} else if d, err := py.ph.decodeLevel(i); err == nil {
		p = d
	} else if !errors.Is(err, errNoDirectDecode) {
		return nil, err
	} else if i == 0 {
		p = py.ph.full
	} else {
		q, err := py.stored(i - 1)
		if err != nil {
			return nil, err
		}
		p = q.half()
	}
	p.orientation = py.ph.orientation
	py.asStored[i] = p
	return p, nil
}

// level returns level i upright and preprocessed by pr; level -1 is level 0
// upscaled twice.
func (py *pyramid) level(i int, pr prep) (*plane, error) {
	up, ok := py.upright[i]
	if !ok {
		if i < 0 {
			q, err := py.level(i+1, prepNone)
			if err != nil {
				return nil, err
			}
			up = q.double()
		} else {
			q, err := py.stored(i)
			if err != nil {
				return nil, err
			}
			up = q.oriented()
		}
		py.upright[i] = up
	}
	if pr == prepNone {
		return up, nil
	}
	key := [2]int{i, int(pr)}
	q, ok := py.prepped[key]
	if !ok {
		switch pr {
		case prepInvert:
			q = up.inverted()
		case prepBlur:
			q = up.blurred()
		case prepSharpen:
			q = up.sharpened()
		case prepRotate45:
			q = up.rotated45()
		}
		py.prepped[key] = q
	}
	return q, nil
}

func (s *search) runPass(p pass) {
	img, err := s.py.level(p.level, p.prep)
	if err != nil {
		return
	}
	up, _ := s.py.level(p.level, prepNone)
	s.work += img.w * img.h
	scale := math.Ldexp(1, p.level)
	// toFull maps a point of img to the upright full-resolution photo.
	toFull := func(pt Point) Point {
		if p.prep == prepRotate45 {
			pt = unrotate45(pt, img, up)
		}
		return Point{pt.X * scale, pt.Y * scale}
	}
	fromFull := func(pt Point) Point {
		pt = Point{pt.X / scale, pt.Y / scale}
		if p.prep == prepRotate45 {
			pt = rotate45(pt, up, img)
		}
		return pt
	}
	m, err := p.bin(img)
	if err != nil {
		return
	}
	s.cur = img
	for _, f := range s.found {
		for _, q := range f.finders {
			maskQuad(m, q, fromFull)
		}
	}
	name := fmt.Sprintf("%dpx/%s%s", max(up.w, up.h), prepNames[p.prep], p.name)
	for range maxCodes {
		text, pts, mod, ok := s.detect(m)
		if !ok {
			return
		}
		f := found{Result: Result{Text: text, Pass: name}}
		for _, pt := range pts {
			f.Points = append(f.Points, toFull(pt))
		}
		for i, q := range finderQuads(pts, mod) {
			for j := range q {
				f.finders[i][j] = toFull(q[j])
			}
			maskQuad(m, q, func(p Point) Point { return p })
		}
		if !s.seen[text] {
			s.seen[text] = true
			s.found = append(s.found, f)
		}
	}
}

// detect finds one code in m: first with the detector's own choice of
// finder patterns, then with other plausible triples of the candidates it
// saw, which rescues photos where a screen's text or a second code offers a
// better-looking but wrong pattern.
func (s *search) detect(m *gozxing.BitMatrix) (string, []Point, float64, bool) {
	finder := detector.NewFinderPatternFinder(m, nil)
	info, err := finder.Find(s.hints)
	var first [3]*detector.FinderPattern
	if err == nil {
		if text, pts, mod, ok := s.decodeInfo(m, info, true); ok {
			return text, pts, mod, true
		}
		if text, pts, mod, ok := s.decodeTilted(m, info); ok {
			return text, pts, mod, true
		}
		first = [3]*detector.FinderPattern{info.GetBottomLeft(), info.GetTopLeft(), info.GetTopRight()}
	}
	for i, t := range triples(finder.GetPossibleCenters(), first) {
		bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(t[0], t[1], t[2])
		info := detector.NewFinderPatternInfo(bl.(*detector.FinderPattern), tl.(*detector.FinderPattern), tr.(*detector.FinderPattern))
		if text, pts, mod, ok := s.decodeInfo(m, info, false); ok {
			return text, pts, mod, true
		}
		// The corner search costs a few hundred samples; on a busy page
		// with many finder-like shapes only the best triples get it.
		if i < maxTiltedTriples {
			if text, pts, mod, ok := s.decodeTilted(m, info); ok {
				return text, pts, mod, true
			}
		}
	}
	return "", nil, 0, false
}

func (s *search) decodeInfo(m *gozxing.BitMatrix, info *detector.FinderPatternInfo, resample bool) (string, []Point, float64, bool) {
	dr, err := detector.NewDetector(m).ProcessFinderPatternInfo(info)
	if err != nil {
		return "", nil, 0, false
	}
	res, err := s.dec.Decode(dr.GetBits(), s.hints)
	if err != nil {
		if !resample {
			return "", nil, 0, false
		}
		if res, err = s.decodeResampled(dr); err != nil {
			return "", nil, 0, false
		}
	}
	rps := dr.GetPoints()
	if md, ok := res.GetOther().(*decoder.QRCodeDecoderMetaData); ok {
		md.ApplyMirroredCorrection(rps)
	}
	pts := make([]Point, 0, len(rps))
	for _, rp := range rps {
		pts = append(pts, Point{rp.GetX(), rp.GetY()})
	}
	mod := (info.GetBottomLeft().GetEstimatedModuleSize() + info.GetTopLeft().GetEstimatedModuleSize() + info.GetTopRight().GetEstimatedModuleSize()) / 3
	return res.GetText(), pts, mod, true
}

// decodeTilted retries a small code (versions 1–3) whose bottom-right corner
// the detector misplaced: without an alignment pattern (version 1) or with
// one it did not find, the fourth corner is guessed by completing a
// parallelogram, which strong perspective defeats. Small grids sample and
// decode in microseconds, so a few dozen guesses around it are cheap.
func (s *search) decodeTilted(m *gozxing.BitMatrix, info *detector.FinderPatternInfo) (string, []Point, float64, bool) {
	bl, tl, tr := info.GetBottomLeft(), info.GetTopLeft(), info.GetTopRight()
	mod := (bl.GetEstimatedModuleSize() + tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize()) / 3
	if mod < 1 {
		return "", nil, 0, false
	}
	span := (gozxing.ResultPoint_Distance(tl, tr) + gozxing.ResultPoint_Distance(tl, bl)) / 2 / mod
	brX, brY := tr.GetX()-tl.GetX()+bl.GetX(), tr.GetY()-tl.GetY()+bl.GetY()
	for _, dim := range []int{21, 25, 29} {
		if math.Abs(span+7-float64(dim)) > 5 {
			continue
		}
		dm := float64(dim) - 3.5
		for r := 1; r <= 4; r++ {
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					if max(abs(dx), abs(dy)) != r {
						continue // each ring once
					}
					if s.tiltedTries >= maxTiltedTries {
						return "", nil, 0, false
					}
					s.tiltedTries++
					tf := common.PerspectiveTransform_QuadrilateralToQuadrilateral(
						3.5, 3.5, dm, 3.5, dm, dm, 3.5, dm,
						tl.GetX(), tl.GetY(), tr.GetX(), tr.GetY(),
						brX+float64(dx)*mod, brY+float64(dy)*mod, bl.GetX(), bl.GetY())
					bits, err := detector.Detector_sampleGrid(m, tf, dim)
					if err != nil {
						continue
					}
					res, err := s.dec.Decode(bits, s.hints)
					if err != nil {
						continue
					}
					rps := []gozxing.ResultPoint{bl, tl, tr}
					if md, ok := res.GetOther().(*decoder.QRCodeDecoderMetaData); ok {
						md.ApplyMirroredCorrection(rps)
					}
					pts := make([]Point, 0, 3)
					for _, rp := range rps {
						pts = append(pts, Point{rp.GetX(), rp.GetY()})
					}
					return res.GetText(), pts, mod, true
				}
			}
		}
	}
	return "", nil, 0, false
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// decodeResampled reads the modules of a detected code again from the
// grey image rather than the binarized one: each module centre is sampled
// with bilinear interpolation and compared with the mean of the modules
// around it. On small blurred photos a binarizer's threshold, set per pixel
// block, loses thin modules that a per-module comparison keeps.
func (s *search) decodeResampled(dr *common.DetectorResult) (*common.DecoderResult, error) {
	img := s.cur
	pts := dr.GetPoints()
	dim := dr.GetBits().GetWidth()
	if img == nil || len(pts) < 3 || dim < 21 {
		return nil, errNoDirectDecode
	}
	var ap *detector.AlignmentPattern
	if len(pts) > 3 {
		ap, _ = pts[3].(*detector.AlignmentPattern)
	}
	tf := detector.Detector_createTransform(pts[1], pts[2], pts[0], ap, dim)
	vals := make([]float64, dim*dim)
	row := make([]float64, 2*dim)
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			row[2*x], row[2*x+1] = float64(x)+0.5, float64(y)+0.5
		}
		tf.TransformPoints(row)
		for x := 0; x < dim; x++ {
			vals[y*dim+x] = img.bilinear(row[2*x], row[2*x+1])
		}
	}
	bits, _ := gozxing.NewSquareBitMatrix(dim)
	const r = 3 // modules each side: the window spans a finder pattern
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			var sum float64
			var n int
			for yy := max(y-r, 0); yy <= min(y+r, dim-1); yy++ {
				for xx := max(x-r, 0); xx <= min(x+r, dim-1); xx++ {
					sum += vals[yy*dim+xx]
					n++
				}
			}
			if vals[y*dim+x] < sum/float64(n) {
				bits.Set(x, y)
			}
		}
	}
	return s.dec.Decode(bits, s.hints)
}

// maxTriples bounds the alternative finder-pattern triples tried per image;
// each costs a perspective sample and a Reed–Solomon decode.
const maxTriples = 24

// maxTiltedTriples bounds the alternative triples that also get the corner
// search of decodeTilted.
const maxTiltedTriples = 4

// maxTiltedTries bounds decodeTilted's corner guesses per photo: on a page
// full of finder-like shapes they would otherwise dominate the time to give
// up.
const maxTiltedTries = 1000

// triples returns plausible finder-pattern triples from the candidates, best
// first, leaving out skip: similar module sizes and a roughly right-angled,
// roughly isosceles shape (loose enough for 60° of perspective).
func triples(cands []*detector.FinderPattern, skip [3]*detector.FinderPattern) [][3]*detector.FinderPattern {
	cs := append([]*detector.FinderPattern(nil), cands...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].GetCount() > cs[j].GetCount() })
	if len(cs) > 16 {
		cs = cs[:16]
	}
	type scored struct {
		t     [3]*detector.FinderPattern
		score float64
	}
	var out []scored
	for i := 0; i < len(cs); i++ {
		for j := i + 1; j < len(cs); j++ {
			for k := j + 1; k < len(cs); k++ {
				t := [3]*detector.FinderPattern{cs[i], cs[j], cs[k]}
				if sameTriple(t, skip) {
					continue
				}
				if sc, ok := tripleScore(t); ok {
					out = append(out, scored{t, sc})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].score < out[j].score })
	if len(out) > maxTriples {
		out = out[:maxTriples]
	}
	ts := make([][3]*detector.FinderPattern, len(out))
	for i, o := range out {
		ts[i] = o.t
	}
	return ts
}

func sameTriple(a, b [3]*detector.FinderPattern) bool {
	n := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				n++
			}
		}
	}
	return n == 3
}

// tripleScore is lower for better triples; ok is false for shapes no code
// can have.
func tripleScore(t [3]*detector.FinderPattern) (float64, bool) {
	minM, maxM := math.Inf(1), 0.0
	for _, p := range t {
		minM = math.Min(minM, p.GetEstimatedModuleSize())
		maxM = math.Max(maxM, p.GetEstimatedModuleSize())
	}
	if minM <= 0 || maxM/minM > 3 {
		return 0, false
	}
	bl, tl, tr := gozxing.ResultPoint_OrderBestPatterns(t[0], t[1], t[2])
	ax, ay := tr.GetX()-tl.GetX(), tr.GetY()-tl.GetY()
	bx, by := bl.GetX()-tl.GetX(), bl.GetY()-tl.GetY()
	la, lb := math.Hypot(ax, ay), math.Hypot(bx, by)
	if la == 0 || lb == 0 {
		return 0, false
	}
	ratio := math.Min(la, lb) / math.Max(la, lb)
	cos := (ax*bx + ay*by) / (la * lb)
	if ratio < 0.3 || math.Abs(cos) > 0.8 {
		return 0, false
	}
	// Version 1 has 14 modules between finder centres, version 40 has 170.
	mod := (minM + maxM) / 2
	if span := (la + lb) / 2 / mod; span < 10 || span > 190 {
		return 0, false
	}
	return (1 - ratio) + math.Abs(cos) + (maxM/minM - 1), true
}

// finderQuads outlines the finder patterns (7 modules and the 1-module
// separator, plus half a module of slack) at pts[0:3] (bottom-left,
// top-left, top-right centres), aligned with the code's axes.
func finderQuads(pts []Point, mod float64) [3][4]Point {
	var qs [3][4]Point
	if len(pts) < 3 {
		return qs
	}
	bl, tl, tr := pts[0], pts[1], pts[2]
	unit := func(a, b Point) Point {
		d := math.Hypot(b.X-a.X, b.Y-a.Y)
		if d == 0 {
			return Point{}
		}
		return Point{(b.X - a.X) / d, (b.Y - a.Y) / d}
	}
	u, v := unit(tl, tr), unit(tl, bl)
	h := 5 * mod
	for i, c := range []Point{bl, tl, tr} {
		for j, k := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
			qs[i][j] = Point{c.X + h*(k[0]*u.X+k[1]*v.X), c.Y + h*(k[0]*u.Y+k[1]*v.Y)}
		}
	}
	return qs
}

// maskQuad clears (whitens) the quad, given in full-resolution pixels and
// mapped into m's pixels by fromFull, so a found code is not found again
// and the next-best code can be.
func maskQuad(m *gozxing.BitMatrix, q [4]Point, fromFull func(Point) Point) {
	var p [4]Point
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range q {
		p[i] = fromFull(q[i])
		minX, maxX = math.Min(minX, p[i].X), math.Max(maxX, p[i].X)
		minY, maxY = math.Min(minY, p[i].Y), math.Max(maxY, p[i].Y)
	}
	x0, y0 := max(int(minX), 0), max(int(minY), 0)
	x1, y1 := min(int(maxX)+1, m.GetWidth()), min(int(maxY)+1, m.GetHeight())
	// The sign of the cross product for a point inside a convex quad is the
	// same for all four edges.
	var sign float64
	for i := range p {
		a, b := p[i], p[(i+1)%4]
		sign += (b.X-a.X)*(p[(i+2)%4].Y-a.Y) - (b.Y-a.Y)*(p[(i+2)%4].X-a.X)
	}
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			in := true
			for i := range p {
				a, b := p[i], p[(i+1)%4]
				if ((b.X-a.X)*(float64(y)-a.Y)-(b.Y-a.Y)*(float64(x)-a.X))*sign < 0 {
					in = false
					break
				}
			}
			if in {
				m.Unset(x, y)
			}
		}
	}
}
