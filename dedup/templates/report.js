// The detail views and full lists of a dedup HTML report, built from the embedded JSON.
// Corpus text only ever becomes text nodes or attribute values (never markup), and every
// link this script makes is a "#..." fragment of numbers and fixed words.
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("dedup-data").textContent);
  const { docs, pairs, passages, boilerplate, clusters, findings, verdicts } = data;
  const PAGE = 100;
  const COLOURS = 8;
  const overview = document.getElementById("overview");
  const detail = document.getElementById("detail");

  // passage row: pair, a_start, a_end, b_start, b_end, kind, similarity, overlap, words, a_text, b_text
  // boilerplate row: doc, start, end, line, rule, score, threshold, evidence, held
  // pair row: a, b, jaccard, threshold, containment_a, containment_b, sentence_a, sentence_b,
  // grade_a, grade_b
  const push = (map, key, value) => { (map[key] = map[key] || []).push(value); };
  const passagesOfPair = {}, passagesOfDoc = {}, boilerplateOfDoc = {}, pairsOfDoc = {};
  const clustersOfDoc = {}, pairOf = {};
  passages.forEach((p, k) => {
    push(passagesOfPair, p[0], k);
    push(passagesOfDoc, pairs[p[0]][0], k);
    push(passagesOfDoc, pairs[p[0]][1], k);
  });
  boilerplate.forEach((b, k) => push(boilerplateOfDoc, b[0], k));
  pairs.forEach((p, k) => {
    push(pairsOfDoc, p[0], k);
    push(pairsOfDoc, p[1], k);
    pairOf[p[0] + "/" + p[1]] = k;
    pairOf[p[1] + "/" + p[0]] = k;
  });
  clusters.forEach((c, k) => {
    push(clustersOfDoc, c[0], k);
    c[1].forEach((m) => push(clustersOfDoc, m[0], k));
  });

  // ------------------------------------------------------------------ building blocks

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(key, String(value));
    }
    for (const child of children || []) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const link = (hash, children) => el("a", { href: "#" + hash }, children);
  const bdi = (text) => el("bdi", {}, [text]);
  const docLink = (row) => link("doc/" + row, [bdi(docs[row].id)]);
  const num = (x, digits) => (x === null || x === undefined ? "–" : x.toFixed(digits === undefined ? 3 : digits));
  const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%");
  const label = (k) => "P" + (k + 1);
  const snippet = (text, most) => {
    const flat = text.replace(/\s+/g, " ").trim();
    return flat.length > most ? flat.slice(0, most - 1) + "…" : flat;
  };
  const passageText = (k, side) => {
    const p = passages[k];
    const row = pairs[p[0]][side];
    const text = docs[row].text;
    if (text === null) return side === 0 ? p[9] : p[10];
    return side === 0 ? text.slice(p[1], p[2]) : text.slice(p[3], p[4]);
  };
  const span = (k, side) => (side === 0 ? [passages[k][1], passages[k][2]] : [passages[k][3], passages[k][4]]);
  const describe = (k) => {
    const p = passages[k];
    let how = p[5] + ", similarity " + num(p[6], 2);
    if (p[7] !== null) how += ", overlap " + num(p[7], 2);
    return how + ", " + p[8] + " words";
  };
  const boilerplateTitle = (b) => (b[8] ? "held back (removal budget): " : "boilerplate: ") +
    b[4] + " " + b[5] + " (threshold " + b[6] + "); " + b[7];

  function table(caption, head, rows) {
    const body = rows.map((cells) => el("tr", {}, cells.map((c) =>
      c instanceof Node && c.tagName === "TD" ? c : el("td", {}, [c]))));
    if (!body.length) body.push(el("tr", {}, [el("td", { colspan: head.length }, ["none"])]));
    return el("table", { class: "rows" }, [
      el("caption", {}, [caption]),
      el("thead", {}, [el("tr", {}, head.map((h) => el("th", { scope: "col" }, [h])))]),
      el("tbody", {}, body),
    ]);
  }
  const td = (cls, children) => el("td", { class: cls }, children);
  function stats(items) {
    return el("dl", { class: "stats" }, items.map(([term, value]) =>
      el("div", {}, [el("dt", {}, [term]), el("dd", {}, [value])])));
  }

  // ------------------------------------------------------------------ document text

  // The text of document `row` with `marks` (passages: {k, start, end, colour, title}) and
  // its boilerplate lines struck through. A document the report has no text for shows each
  // mark's own text instead.
  function documentText(row, marks, side) {
    const text = docs[row].text;
    if (text === null) {
      const box = el("div", { class: "doctext" }, [el("p", { class: "missing" }, [
        "The full text is not in this report (render it with `dedup report REPORT.json INPUTS...`); the passages:"])]);
      for (const m of marks) {
        const mark = markFor([m], true);
        mark.appendChild(document.createTextNode(passageText(m.k, side)));
        box.appendChild(el("p", { class: "passage-quote" }, [mark]));
      }
      return box;
    }
    const bps = (boilerplateOfDoc[row] || []).map((k) => boilerplate[k]);
    const cuts = new Set([0, text.length]);
    for (const m of marks) { cuts.add(m.start); cuts.add(m.end); }
    for (const b of bps) { cuts.add(b[1]); cuts.add(b[2]); }
    const points = [...cuts].filter((x) => x >= 0 && x <= text.length).sort((x, y) => x - y);
    const byStart = [...marks].sort((x, y) => x.start - y.start || y.end - x.end);
    const pre = el("pre", { class: "doctext" });
    let next = 0, active = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const s = points[i], e = points[i + 1];
      active = active.filter((m) => m.end > s);
      while (next < byStart.length && byStart[next].start <= s) {
        if (byStart[next].end > s) active.push(byStart[next]);
        next++;
      }
      let node = document.createTextNode(text.slice(s, e));
      const bp = bps.find((b) => b[1] <= s && b[2] >= e);
      if (bp) {
        node = el("span", { class: bp[8] ? "bp held" : "bp", title: boilerplateTitle(bp) }, [node]);
      }
      if (active.length) {
        const inner = [...active].sort((x, y) => y.start - x.start || x.end - y.end);
        const mark = markFor(inner, inner.some((m) => m.start === s));
        mark.appendChild(node);
        node = mark;
      }
      pre.appendChild(node);
    }
    return pre;
  }

  // A <mark> for the passages `ms` (innermost first); `first`: the passage starts here, so
  // the mark carries its label and is a keyboard stop.
  function markFor(ms, first) {
    const m = ms[0];
    const mark = el("mark", {
      class: "c" + (m.colour % COLOURS),
      "data-p": ms.map((x) => x.k).join(" "),
      title: ms.slice(0, 5).map((x) => x.title).join("\n") +
        (ms.length > 5 ? "\n… and " + (ms.length - 5) + " more passages here" : ""),
    });
    if (first) {
      mark.setAttribute("tabindex", "0");
      mark.setAttribute("role", "button");
      mark.setAttribute("aria-label", m.title + ". Activate to show it in the other view.");
      mark.appendChild(el("span", { class: "tag", "aria-hidden": "true" }, [label(m.k)]));
    }
    return mark;
  }

  // Scroll `box` (a side's text) so that `target` sits in its middle; the page stays put.
  function centre(target, box) {
    const r = target.getBoundingClientRect(), b = box.getBoundingClientRect();
    box.scrollTop += r.top - b.top - (box.clientHeight - r.height) / 2;
  }

  function graded(grade) {
    return grade ? " (" + (grade === "non" ? "not" : grade) + " derived)" : "";
  }

  function onMarks(container, act) {
    container.addEventListener("click", (event) => {
      const mark = event.target.closest("mark[data-p]");
      if (mark) act(mark, Number(mark.getAttribute("data-p").split(" ")[0]));
    });
    container.addEventListener("keydown", (event) => {
      const mark = event.target.closest && event.target.closest("mark[data-p]");
      if (mark && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        act(mark, Number(mark.getAttribute("data-p").split(" ")[0]));
      }
    });
  }

  function boilerplateTable(row) {
    const text = docs[row].text;
    const rows = (boilerplateOfDoc[row] || []).map((k) => {
      const b = boilerplate[k];
      return [b[3], el("code", {}, [b[4]]), num(b[5]), num(b[6]), td("text", [b[7]]),
        td("text", [text === null ? "" : snippet(text.slice(b[1], b[2]), 100)]),
        b[8] ? "held (budget)" : "removed by clean"];
    });
    return table("Boilerplate lines of " + docs[row].id,
      ["line", "rule", "score", "threshold", "evidence", "text", "effect"], rows);
  }

  // ------------------------------------------------------------------ views

  function pairView(k, focus) {
    const pair = pairs[k];
    if (!pair) return missing("pair", k);
    const [a, b] = pair;
    const mine = passagesOfPair[k] || [];
    const marks = (side) => mine.map((p, i) => {
      const [start, end] = span(p, side);
      return { k: p, start, end, colour: i, title: label(p) + ": " + describe(p) };
    });
    const near = pair[2] !== null && pair[2] >= pair[3];
    const head = el("h2", {}, ["Pair: ", bdi(docs[a].id), " ↔ ", bdi(docs[b].id)]);
    const facts = stats([
      ["Jaccard", pair[2] === null ? "–" : num(pair[2]) + (near ? " ≥ " : " < ") + num(pair[3], 2) +
        (near ? " (near-duplicates)" : " (not near-duplicates)")],
      ["left in right", pct(pair[6] !== null ? pair[6] : pair[4]) + graded(pair[8])],
      ["right in left", pct(pair[7] !== null ? pair[7] : pair[5]) + graded(pair[9])],
      ["passages", String(mine.length)],
    ]);
    const sideA = el("section", { class: "side", "data-side": "a", "aria-label": "left document" }, [
      el("h3", {}, [docLink(a)]), documentText(a, marks(0), 0)]);
    const sideB = el("section", { class: "side", "data-side": "b", "aria-label": "right document" }, [
      el("h3", {}, [docLink(b)]), documentText(b, marks(1), 1)]);
    const sides = el("div", { class: "sides" }, [sideA, sideB]);
    const show = (p, from) => {
      for (const m of sides.querySelectorAll("mark.current")) m.classList.remove("current");
      const hits = sides.querySelectorAll('mark[data-p~="' + p + '"]');
      for (const m of hits) m.classList.add("current");
      const targets = from ? [from === sideA ? sideB : sideA] : [sideA, sideB];
      if (!from) sides.scrollIntoView({ block: "nearest" });
      for (const side of targets) {
        const target = side.querySelector('mark[data-p~="' + p + '"]');
        if (target) {
          centre(target, side.querySelector(".doctext"));
          if (from) target.focus({ preventScroll: true });
        }
      }
    };
    onMarks(sides, (mark, p) => show(p, mark.closest(".side")));
    const list = table("Shared passages (click one, or a highlighted passage, to line both sides up)",
      ["passage", "kind", "similarity", "overlap", "words", "left", "right"],
      mine.map((p) => {
        const row = passages[p];
        return [el("button", { type: "button", "data-show": p }, [label(p)]),
          el("span", { class: "kind" }, [row[5]]), num(row[6], 2), num(row[7], 2), String(row[8]),
          "[" + row[1] + ", " + row[2] + ")", "[" + row[3] + ", " + row[4] + ")"];
      }));
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-show]");
      if (button) show(Number(button.getAttribute("data-show")), null);
    });
    const note = el("p", { class: "note" }, [
      "Each shared passage has one colour, underline style and label on both sides; ",
      "struck-through text is boilerplate (hover it, or see the tables below, for the rule, score, threshold and evidence)."]);
    const view = el("div", {}, [head, facts, note, list, sides, boilerplateTable(a), boilerplateTable(b)]);
    return { view, after: () => { if (focus !== undefined) show(focus, null); } };
  }

  function docView(row) {
    const doc = docs[row];
    if (!doc) return missing("document", row);
    const mine = passagesOfDoc[row] || [];
    const partners = [];
    const marks = mine.map((p) => {
      const side = pairs[passages[p][0]][0] === row ? 0 : 1;
      const other = pairs[passages[p][0]][1 - side];
      if (!partners.includes(other)) partners.push(other);
      const [start, end] = span(p, side);
      return { k: p, start, end, colour: partners.indexOf(other),
        title: label(p) + " with " + docs[other].id + ": " + describe(p) };
    });
    const text = el("section", { class: "side single", "aria-label": "document text" }, [
      el("h3", {}, [bdi(doc.source || doc.id)]), documentText(row, marks, 0)]);
    onMarks(text, (mark, p) => { location.hash = "pair/" + passages[p][0] + "/p/" + p; });
    const reused = stats([
      ["characters", doc.chars.toLocaleString("en")],
      ["reused", pct(doc.reused)],
      ["main source", doc.main === null ? "none" : docLink(doc.main)],
      ["boilerplate lines", String((boilerplateOfDoc[row] || []).length)],
    ]);
    const pairRows = (pairsOfDoc[row] || []).map((k) => {
      const other = pairs[k][0] === row ? pairs[k][1] : pairs[k][0];
      return [link("pair/" + k, ["side by side with ", bdi(docs[other].id)]),
        String((passagesOfPair[k] || []).length), num(pairs[k][2])];
    });
    const clusterRows = (clustersOfDoc[row] || []).map((k) => [link("cluster/" + k, ["cluster of ",
      String(clusters[k][1].length + 1), " copies around ", bdi(docs[clusters[k][0]].id)])]);
    const note = el("p", { class: "note" }, [
      "Passages shared with one other document have one colour; click one to see both sides."]);
    return { view: el("div", {}, [el("h2", {}, [bdi(doc.id)]), reused, note, text,
      table("Documents sharing passages with it", ["pair", "passages", "Jaccard"], pairRows),
      table("Near-duplicate clusters", ["cluster"], clusterRows), boilerplateTable(row)]) };
  }

  function clusterView(k) {
    const c = clusters[k];
    if (!c) return missing("cluster", k);
    const [rep, members, kept, threshold, rule, reason] = c;
    const everyone = [[rep, null], ...members];
    const rows = everyone.map(([row, jaccard]) => {
      const isKept = kept === row;
      const pair = pairOf[rep + "/" + row];
      return [row === rep ? "representative" : "member", td("id", [docLink(row)]),
        jaccard === null ? "1.000 (itself)" : num(jaccard),
        el("strong", { class: isKept ? "kept" : "dropped" }, [isKept ? "✓ kept" : "✗ dropped"]),
        pair === undefined ? "" : link("pair/" + pair, ["side by side"])];
    });
    const keptText = kept === null ? ["Every copy is dropped: ", reason, "."]
      : ["Kept: ", docLink(kept), ", ", reason, "."];
    return { view: el("div", {}, [
      el("h2", {}, ["Cluster of ", String(members.length + 1), " near-duplicates around ", bdi(docs[rep].id)]),
      el("p", {}, keptText),
      el("p", { class: "note" }, ["Each member's Jaccard is measured against the representative (no chaining); every member reached the threshold ",
        num(threshold, 2), " (keep rule ", el("code", {}, [rule]), ")."]),
      table("Members", ["role", "document", "Jaccard to the representative", "copy", "pair"], rows),
    ]) };
  }

  // The full lists, a page of PAGE rows each.
  const LISTS = {
    docs: {
      title: "Documents, the most reused share first",
      head: ["document", "reused", "chars", "main source", "boilerplate lines"],
      rows: () => data.order.docs,
      cells: (row) => [td("id", [docLink(row)]), pct(docs[row].reused), docs[row].chars.toLocaleString("en"),
        docs[row].main === null ? "" : td("id", [docLink(docs[row].main)]), String((boilerplateOfDoc[row] || []).length)],
    },
    pairs: {
      title: "Document pairs, the most reuse first",
      head: ["pair", "passages", "left in right", "right in left", "Jaccard"],
      rows: () => data.order.pairs,
      cells: (k) => {
        const p = pairs[k];
        return [td("id", [link("pair/" + k, [bdi(docs[p[0]].id), " ↔ ", bdi(docs[p[1]].id)])]),
          String((passagesOfPair[k] || []).length), pct(p[6] !== null ? p[6] : p[4]),
          pct(p[7] !== null ? p[7] : p[5]), num(p[2])];
      },
    },
    passages: {
      title: "Shared passages",
      head: ["passage", "pair", "kind", "similarity", "left text"],
      rows: () => passages.map((_, k) => k),
      cells: (k) => {
        const p = pairs[passages[k][0]];
        return [link("pair/" + passages[k][0] + "/p/" + k, [label(k)]),
          td("id", [bdi(docs[p[0]].id), " ↔ ", bdi(docs[p[1]].id)]), passages[k][5], num(passages[k][6], 2),
          td("text", [snippet(passageText(k, 0), 160)])];
      },
    },
    clusters: {
      title: "Near-duplicate clusters, the largest first",
      head: ["representative", "copies", "kept"],
      rows: () => data.order.clusters,
      cells: (k) => [td("id", [link("cluster/" + k, [bdi(docs[clusters[k][0]].id)])]),
        String(clusters[k][1].length + 1), clusters[k][2] === null ? "none" : td("id", [bdi(docs[clusters[k][2]].id)])],
    },
    boilerplate: {
      title: "Boilerplate lines",
      head: ["document", "line", "rule", "score", "threshold", "evidence", "text"],
      rows: (filter) => boilerplate.map((_, k) => k).filter((k) => !filter.rule || boilerplate[k][4] === filter.rule),
      cells: (k) => {
        const b = boilerplate[k];
        const text = docs[b[0]].text;
        return [td("id", [docLink(b[0])]), String(b[3]), el("code", {}, [b[4]]), num(b[5]), num(b[6]),
          td("text", [b[7]]), td("text bp", [text === null ? "" : snippet(text.slice(b[1], b[2]), 100)])];
      },
    },
    findings: {
      title: "Check findings, failed limits first",
      head: ["limit", "status", "where", "kind", "finding"],
      rows: () => findings.map((_, k) => k),
      cells: (k) => {
        const f = findings[k];
        const v = verdicts[f[0]];
        return [el("code", {}, [v.rule]), v.passed ? "ok" : "FAIL",
          td("id", [link("doc/" + f[1], [bdi(f[5]), ":" + f[6]])]), f[4], td("text", [f[7]])];
      },
    },
  };

  function listView(kind, filter) {
    const list = LISTS[kind];
    if (!list) return missing("list", kind);
    const rows = list.rows(filter);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    const page = Math.min(Math.max(1, filter.page || 1), pages);
    const base = "list/" + kind + (filter.rule ? "/rule/" + encodeURIComponent(filter.rule) : "");
    const go = (n) => el("button", { type: "button", disabled: n < 1 || n > pages || n === page,
      "data-go": base + "/page/" + n }, [n < page ? "← previous" : "next →"]);
    const pager = () => {
      const bar = el("div", { class: "pager" }, [go(page - 1),
        el("span", {}, ["page " + page + " of " + pages + " (" + rows.length.toLocaleString("en") + " rows)"]), go(page + 1)]);
      bar.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-go]");
        if (button && !button.disabled) location.hash = button.getAttribute("data-go");
      });
      return bar;
    };
    const shown = rows.slice((page - 1) * PAGE, page * PAGE);
    const title = list.title + (filter.rule ? " of rule " + filter.rule : "");
    return { view: el("div", {}, [el("h2", {}, [title]), pager(),
      table(title, list.head, shown.map(list.cells)), pager()]) };
  }

  function missing(what, which) {
    return { view: el("p", { class: "missing" }, ["No " + what + " " + which + " in this report. ", link("overview", ["Back to the overview"])]) };
  }

  // ------------------------------------------------------------------ routing

  function route() {
    const parts = location.hash.replace(/^#/, "").split("/").map((p) => {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    });
    if (!parts[0] || parts[0] === "overview" || parts[0] === "main") {
      detail.hidden = true;
      detail.replaceChildren();
      overview.hidden = false;
      return;
    }
    const n = Number(parts[1]);
    let shown;
    if (parts[0] === "pair") shown = pairView(n, parts[2] === "p" ? Number(parts[3]) : undefined);
    else if (parts[0] === "doc") shown = docView(n);
    else if (parts[0] === "cluster") shown = clusterView(n);
    else if (parts[0] === "list") {
      const filter = {};
      for (let i = 2; i + 1 < parts.length; i += 2) filter[parts[i]] = parts[i] === "page" ? Number(parts[i + 1]) : parts[i + 1];
      shown = listView(parts[1], filter);
    } else shown = missing("view", parts[0]);
    overview.hidden = true;
    detail.replaceChildren(shown.view);
    detail.hidden = false;
    window.scrollTo(0, 0);
    detail.focus({ preventScroll: true });
    if (shown.after) shown.after();
  }
  window.addEventListener("hashchange", route);
  route();
})();
