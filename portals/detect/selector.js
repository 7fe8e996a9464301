// Builds a CSS selector that matches exactly the given elements (by their
// index in document order), preferring what survives page changes best:
// an id, then a name, then autocomplete or type, then a path.
((idxs) => {
  const all = Array.from(document.getElementsByTagName("*"));
  const forms = Array.from(document.forms);
  const css = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&"));
  const unique = (sel, e) => { try { const m = document.querySelectorAll(sel); return m.length === 1 && m[0] === e; } catch (_) { return false; } };
  const selectorFor = (e) => {
    const tag = e.tagName.toLowerCase();
    if (e.id && !/\d{4,}|^[0-9]/.test(e.id) && unique("#" + css(e.id), e)) return "#" + css(e.id);
    const name = e.getAttribute("name");
    if (name && unique(tag + '[name="' + name.replace(/["\\]/g, "\\$&") + '"]', e)) return tag + '[name="' + name.replace(/["\\]/g, "\\$&") + '"]';
    const ac = e.getAttribute("autocomplete");
    if (ac && unique(tag + '[autocomplete="' + ac + '"]', e)) return tag + '[autocomplete="' + ac + '"]';
    const aria = e.getAttribute("aria-label");
    if (aria && unique(tag + '[aria-label="' + aria.replace(/["\\]/g, "\\$&") + '"]', e)) return tag + '[aria-label="' + aria.replace(/["\\]/g, "\\$&") + '"]';
    const type = e.getAttribute("type");
    if (type && unique(tag + '[type="' + type + '"]', e)) return tag + '[type="' + type + '"]';
    if (e.form) {
      const f = e.form, fi = forms.indexOf(f);
      let fs = null;
      if (f.id && unique("#" + css(f.id), f)) fs = "#" + css(f.id);
      else if (f.getAttribute("action") && unique('form[action="' + f.getAttribute("action").replace(/["\\]/g, "\\$&") + '"]', f)) fs = 'form[action="' + f.getAttribute("action").replace(/["\\]/g, "\\$&") + '"]';
      for (const inner of [name && tag + '[name="' + name.replace(/["\\]/g, "\\$&") + '"]', type && tag + '[type="' + type + '"]']) {
        if (fs && inner && unique(fs + " " + inner, e)) return fs + " " + inner;
      }
      if (fi >= 0 && !fs) { /* fall through to a path */ }
    }
    const path = [];
    for (let n = e; n && n.nodeType === 1 && n !== document.documentElement; n = n.parentElement) {
      if (n !== e && n.id && unique("#" + css(n.id), n)) { path.unshift("#" + css(n.id)); break; }
      const t = n.tagName.toLowerCase();
      let i = 1;
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === n.tagName) i++;
      path.unshift(t + ":nth-of-type(" + i + ")");
    }
    return path.join(" > ");
  };
  return idxs.map((i) => (all[i] ? selectorFor(all[i]) : ""));
})
