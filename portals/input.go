package portals

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// Input as a person produces it: trusted events from the browser's input
// pipeline, the pointer moving to an element before it is pressed, a press
// point inside the element but off its exact centre, keys with uneven gaps.

// pointer remembers where a tab's mouse is, so each move starts where the
// last one ended.
type pointer struct{ x, y float64 }

// box is an element's visible rectangle in the viewport, after scrolling
// it into view.
type box struct{ X, Y, W, H float64 }

// boxJS scrolls the first visible match of a selector into view and
// returns its box, or null while there is none.
func boxJS(sel string) string {
	return wrapJS(`((el) => {
	if (!el || !__vis(el)) return null;
	el.scrollIntoView({block: 'center', inline: 'center'});
	const r = el.getBoundingClientRect();
	return {X: r.left, Y: r.top, W: r.width, H: r.height};
})(__q(document, ` + jsString(sel) + `))`)
}

// elementBox waits for sel to be visible and returns its box.
func elementBox(ctx context.Context, sel string) (box, error) {
	var b box
	expr := boxJS(sel)
	err := until(ctx, func() (bool, error) {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[*box](expr))
		switch {
		case errors.Is(err, chromedp.ErrJSNull), err != nil && isNavigationError(err):
			return false, nil
		case err != nil:
			return false, err
		case got == nil:
			return false, nil
		}
		b = *got
		return true, nil
	})
	if err != nil {
		return b, fmt.Errorf("element %s: %w", sel, err)
	}
	if b.W <= 0 || b.H <= 0 {
		return b, fmt.Errorf("element %s has no size", sel)
	}
	return b, nil
}

// pressPoint is a point inside b, away from its edges and never its exact
// centre: people aim roughly.
func pressPoint(b box) (float64, float64) {
	off := func(size float64) float64 {
		// Within the middle 60%, at least a pixel (or 10%) from the centre.
		span := size * 0.3
		min := math.Min(1, size*0.1)
		d := min + float64(randInt(1000))/1000*(span-min)
		if randInt(2) == 0 {
			d = -d
		}
		return size/2 + d
	}
	return b.X + off(b.W), b.Y + off(b.H)
}

func pause(ctx context.Context, min, max time.Duration) error {
	d := min + time.Duration(randInt(int(max-min)+1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// moveTo glides the pointer from where it is to (x, y) in a few steps.
func (p *pointer) moveTo(ctx context.Context, x, y float64) error {
	steps := 4 + randInt(5)
	fx, fy := p.x, p.y
	for i := 1; i <= steps; i++ {
		t := float64(i) / float64(steps)
		// Ease out: fast at first, slow near the target.
		e := 1 - (1-t)*(1-t)
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
			Type: input.DispatchMouseEventTypeMouseMoved, X: fx + (x-fx)*e, Y: fy + (y-fy)*e, Button: input.MouseButtonNone,
		})
		if err != nil {
			return err
		}
		if err := pause(ctx, 8*time.Millisecond, 25*time.Millisecond); err != nil {
			return err
		}
	}
	p.x, p.y = x, y
	return nil
}

// click moves the pointer onto sel and presses it.
func (p *pointer) click(ctx context.Context, sel string) error {
	b, err := elementBox(ctx, sel)
	if err != nil {
		return err
	}
	return p.clickBox(ctx, b)
}

// clickBox moves the pointer into b and presses it there.
func (p *pointer) clickBox(ctx context.Context, b box) error {
	if b.W <= 0 || b.H <= 0 {
		// Nothing to aim at but the point itself.
		b.W, b.H = 1, 1
	}
	x, y := pressPoint(b)
	if err := p.moveTo(ctx, x, y); err != nil {
		return err
	}
	for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
			Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1,
		})
		if err != nil {
			return err
		}
		if typ == input.DispatchMouseEventTypeMousePressed {
			if err := pause(ctx, 40*time.Millisecond, 110*time.Millisecond); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeText types s into the focused element key by key; "\r" presses
// Enter.
func typeText(ctx context.Context, s string, gapMin, gapMax time.Duration) error {
	for i, r := range s {
		if i > 0 {
			if err := pause(ctx, gapMin, gapMax); err != nil {
				return err
			}
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(string(r))); err != nil {
			return err
		}
	}
	return nil
}
