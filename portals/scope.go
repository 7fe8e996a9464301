package portals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/twofetch/twofetch"
)

// Real portals put their sign-in in iframes (nested ones too), build pages
// from web components with open shadow roots, and open invoices in new
// tabs. A run therefore acts in a scope: the tab (the main one, or a popup
// a step followed) and a chain of iframes inside it. Steps in the main
// document with plain selectors keep chromedp's own queries; everything
// else is done through JavaScript evaluated in the frame's document, with
// trusted mouse and key events sent to the tab.

// shadowSep separates the parts of a selector that pierces open shadow
// roots: "#usercentrics-root >>> button[data-testid=uc-deny-all-button]"
// is the button inside the shadow root of #usercentrics-root.
const shadowSep = ">>>"

// domHelpers are defined in front of every expression evaluated through a
// scope: __q finds the first element of a selector (piercing shadow roots
// at >>>), __qa every element, __vis tells whether an element is rendered.
const domHelpers = `const __parts = (sel) => sel.split(/\s*>>>\s*/);
const __qa = (root, sel) => {
	const parts = __parts(sel);
	let scopes = [root];
	for (let i = 0; i < parts.length; i++) {
		const next = [];
		for (const s of scopes) {
			for (const e of s.querySelectorAll(parts[i])) next.push(i === parts.length - 1 ? e : (e.shadowRoot || e));
		}
		scopes = next;
	}
	return scopes;
};
const __q = (root, sel) => sel.includes('>>>') ? (__qa(root, sel)[0] || null) : root.querySelector(sel);
const __vis = (e) => !!e && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length) && getComputedStyle(e).visibility !== 'hidden';
`

// wrapJS puts the helpers in front of an expression.
func wrapJS(expr string) string {
	return "(() => {\n" + domHelpers + "return (" + expr + ");\n})()"
}

// scoped reports whether a selector needs the scope's JavaScript path.
func (rn *run) scoped(sel string) bool {
	return len(rn.frames) > 0 || strings.Contains(sel, shadowSep)
}

// tab is the browser tab steps act in: the main one, or the popup a step
// is following.
func (rn *run) tab() context.Context {
	if n := len(rn.tabs); n > 0 {
		return rn.tabs[n-1]
	}
	return rn.l.ctx
}

// frameScope is where a scope's JavaScript runs: a tab or an iframe's own
// target (a cross-site iframe runs in a process of its own), an execution
// context in it (0: the main frame's), and the offset of the frame's
// viewport in the tab's, for mouse events.
type frameScope struct {
	ctx    context.Context
	ctxID  runtime.ExecutionContextID
	dx, dy float64
}

// resolveFrames finds the current chain of iframes, from the tab down.
func (rn *run) resolveFrames(ctx context.Context) (frameScope, error) {
	fs := frameScope{ctx: ctx}
	for depth, sel := range rn.frames {
		type box struct {
			X, Y float64
		}
		expr := wrapJS(fmt.Sprintf(`((f) => {
			if (!f) return null;
			const r = f.getBoundingClientRect(), cs = getComputedStyle(f);
			return {x: r.left + f.clientLeft + parseFloat(cs.paddingLeft), y: r.top + f.clientTop + parseFloat(cs.paddingTop)};
		})(__q(document, %s))`, jsString(sel)))
		b, err := evalIn[*box](fs, expr, false)
		if err != nil {
			return fs, err
		}
		if b == nil {
			return fs, errFrameMissing{sel}
		}
		obj, err := evalObject(fs, wrapJS(fmt.Sprintf("__q(document, %s)", jsString(sel))))
		if err != nil {
			return fs, err
		}
		node, err := chromedp.Call(fs.ctx, dom.DescribeNode, dom.DescribeNodeParams{ObjectID: obj})
		if err != nil {
			return fs, err
		}
		if node.Node == nil || node.Node.FrameID == "" {
			return fs, twofetch.Fail(twofetch.OutcomePortalChanged, "%q is not an iframe", sel)
		}
		frameID := node.Node.FrameID
		next, err := rn.frameContext(fs.ctx, frameID, depth)
		if err != nil {
			return fs, err
		}
		next.dx, next.dy = fs.dx+b.X, fs.dy+b.Y
		fs = next
	}
	return fs, nil
}

type errFrameMissing struct{ sel string }

func (e errFrameMissing) Error() string { return fmt.Sprintf("iframe %q is not on the page", e.sel) }

// frameContext returns an execution context for a frame: an isolated world
// in the same target, or the main world of the frame's own target when the
// frame runs in another process.
func (rn *run) frameContext(ctx context.Context, frameID cdp.FrameID, depth int) (frameScope, error) {
	world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frameID, WorldName: "twofetch"})
	if err == nil {
		return frameScope{ctx: ctx, ctxID: world.ExecutionContextID}, nil
	}
	// A cross-site iframe is a target of its own, whose id is the frame's.
	rn.mu.Lock()
	fctx, ok := rn.frameTabs[frameID]
	rn.mu.Unlock()
	if !ok {
		c, cancel := chromedp.NewContext(rn.l.ctx, chromedp.WithTargetID(target.ID(frameID)))
		err := chromedp.Do(c)
		if err == nil {
			// Attaching turned the Runtime domain on in a running
			// frame; it goes off again at once (see quietRuntime).
			err = withDeadlineOf(ctx, c, 0, quietRuntime)
		}
		if err != nil {
			cancel()
			return frameScope{}, fmt.Errorf("attach to iframe: %w", err)
		}
		rn.mu.Lock()
		rn.frameTabs[frameID] = c
		rn.cleanup = append(rn.cleanup, cancel)
		rn.mu.Unlock()
		fctx = c
	}
	// The step's deadline and the job's cancellation carry over.
	c, cancel := mergeContexts(ctx, fctx, 0)
	context.AfterFunc(ctx, cancel)
	return frameScope{ctx: c}, nil
}

func evalOpts(fs frameScope, await bool) []chromedp.EvaluateOption {
	var opts []chromedp.EvaluateOption
	if fs.ctxID != 0 {
		id := fs.ctxID
		opts = append(opts, func(p *runtime.EvaluateParams) { p.ContextID = id })
	}
	if await {
		opts = append(opts, chromedp.EvalAwaitPromise)
	}
	return opts
}

func evalIn[T any](fs frameScope, expr string, await bool) (T, error) {
	return chromedp.Run(fs.ctx, chromedp.Evaluate[T](expr, evalOpts(fs, await)...))
}

func evalObject(fs frameScope, expr string) (runtime.RemoteObjectID, error) {
	p := runtime.EvaluateParams{Expression: expr}
	if fs.ctxID != 0 {
		p.ContextID = fs.ctxID
	}
	res, err := chromedp.Call(fs.ctx, runtime.Evaluate, p)
	if err != nil {
		return "", err
	}
	if res.ExceptionDetails != nil {
		return "", fmt.Errorf("%s", res.ExceptionDetails.Text)
	}
	if res.Result == nil || res.Result.ObjectID == "" {
		return "", errors.New("no such element")
	}
	return res.Result.ObjectID, nil
}

// eval evaluates a JavaScript expression in the current scope and decodes
// its JSON value into out (nil to ignore it). A frame that is between two
// documents is found again.
func (rn *run) eval(ctx context.Context, expr string, await bool, out any) error {
	if len(rn.frames) == 0 {
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, evalOpts(frameScope{}, await)...))
		return decodeEval(raw, err, out)
	}
	fs, err := rn.resolveFrames(ctx)
	if err != nil {
		return err
	}
	raw, err := evalIn[json.RawMessage](fs, expr, await)
	return decodeEval(raw, err, out)
}

func decodeEval(raw json.RawMessage, err error, out any) error {
	switch {
	case errors.Is(err, chromedp.ErrJSUndefined), errors.Is(err, chromedp.ErrJSNull):
		return nil
	case err != nil:
		return err
	case out == nil:
		return nil
	}
	return json.Unmarshal(raw, out)
}

// pollScope evaluates a boolean expression in the scope until it holds.
// Frames may reload between two tries, so each try finds them again.
func (rn *run) pollScope(ctx context.Context, expr string) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		var ok bool
		err := rn.eval(ctx, expr, false, &ok)
		switch {
		case err == nil && ok:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && !isNavigationError(err) && !errors.As(err, new(errFrameMissing)) && !strings.Contains(err.Error(), "no such element"):
			var re *twofetch.RunError
			if errors.As(err, &re) {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// point is where a click lands, in the tab's viewport.
type point struct{ X, Y, W, H float64 }

// clickScoped waits for a visible element in the scope, scrolls it into
// view and clicks its centre with a trusted mouse event. text, when given,
// picks the first matching element whose visible text contains it; nth,
// when not negative, the nth element the selector matches.
func (rn *run) clickScoped(ctx context.Context, sel, text string, nth int) error {
	find := fmt.Sprintf(`((sel, text, nth) => {
		const all = nth >= 0 ? [__qa(document, sel).filter(__vis)[nth]] : (text ? __qa(document, sel) : [__q(document, sel)]);
		const e = all.find(e => __vis(e) && (!text || (e.innerText || e.textContent || '').toLowerCase().includes(text.toLowerCase())));
		if (!e) return null;
		e.scrollIntoView({block: 'center', inline: 'center'});
		const r = e.getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height};
	})(%s, %s, %d)`, jsString(sel), jsString(text), nth)
	var p *point
	for p == nil {
		if err := rn.pollScope(ctx, wrapJS(fmt.Sprintf("!!(%s)", find))); err != nil {
			return err
		}
		fs := frameScope{ctx: ctx}
		if len(rn.frames) > 0 {
			var err error
			if fs, err = rn.resolveFrames(ctx); err != nil {
				if isNavigationError(err) || errors.As(err, new(errFrameMissing)) {
					continue
				}
				return err
			}
		}
		var err error
		if p, err = evalIn[*point](fs, wrapJS(find), false); err != nil && !isNavigationError(err) {
			return err
		}
		if p != nil {
			p.X += fs.dx
			p.Y += fs.dy
		}
	}
	return rn.ptr.clickBox(ctx, box{X: p.X - p.W/2, Y: p.Y - p.H/2, W: p.W, H: p.H})
}

// typeScoped clicks a field (which focuses its frame too), empties it and
// types keys.
func (rn *run) typeScoped(ctx context.Context, sel, keys string) error {
	return rn.typeNth(ctx, sel, 0, keys)
}

// typeNth types keys into the nth element the selector matches.
func (rn *run) typeNth(ctx context.Context, sel string, nth int, keys string) error {
	if err := rn.clickScoped(ctx, sel, "", nth); err != nil {
		return err
	}
	clear := wrapJS(fmt.Sprintf(`((e) => {
		if (!e) return false;
		e.focus();
		if ('value' in e && e.value !== '') { e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); }
		return true;
	})(__qa(document, %s).filter(__vis)[%d])`, jsString(sel), nth))
	var ok bool
	if err := rn.eval(ctx, clear, false, &ok); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("field %q went away", sel)
	}
	return typeText(ctx, keys, rn.r.TypingGap[0], rn.r.TypingGap[1])
}

// typeBoxes types a code one character per box: sites that split a code
// into single-digit inputs move the focus themselves, or not, so each box
// is clicked and typed into in turn.
func (rn *run) typeBoxes(ctx context.Context, sel, value string, submit bool) error {
	var n int
	if err := rn.eval(ctx, wrapJS(fmt.Sprintf("__qa(document, %s).filter(__vis).length", jsString(sel))), false, &n); err != nil {
		return err
	}
	chars := []rune(value)
	if n != len(chars) {
		return twofetch.Fail(twofetch.OutcomePortalChanged, "the code has %d characters but %q matches %d boxes", len(chars), sel, n)
	}
	for i, c := range chars {
		keys := string(c)
		if submit && i == len(chars)-1 {
			keys += "\r"
		}
		if err := rn.typeNth(ctx, sel, i, keys); err != nil {
			return err
		}
	}
	return nil
}
