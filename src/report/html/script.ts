/**
 * The page's only script: filters and sorts the flow table, and shows the embedded JSON on
 * request. Without it the page still reads whole; it fetches nothing.
 */
export const SCRIPT = `
(function () {
  var table = document.getElementById('flows');
  if (table) {
    var body = table.tBodies[0];
    var verdict = document.getElementById('f-verdict');
    var text = document.getElementById('f-text');
    var shown = document.getElementById('f-shown');
    var apply = function () {
      var v = verdict.value, q = text.value.trim().toLowerCase(), n = 0;
      for (var i = 0; i < body.rows.length; i++) {
        var r = body.rows[i];
        var ok = (!v || r.getAttribute('data-verdict') === v) && (!q || r.getAttribute('data-text').indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) n++;
      }
      shown.textContent = n + ' of ' + body.rows.length + ' shown';
    };
    verdict.addEventListener('change', apply);
    text.addEventListener('input', apply);
    var heads = table.tHead.rows[0].cells;
    var collator = new Intl.Collator('en', { numeric: true });
    for (var c = 0; c < heads.length; c++) (function (col, th) {
      th.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        for (var k = 0; k < heads.length; k++) heads[k].removeAttribute('aria-sort');
        th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
        var num = th.classList.contains('num');
        // Each row's key read once; one collator; the rows put back in one move.
        var keyed = Array.prototype.map.call(body.rows, function (r) {
          var k = r.cells[col].getAttribute('data-sort') || r.cells[col].textContent;
          return { r: r, k: num ? Number(k) : k };
        });
        keyed.sort(function (a, b) { return dir * (num ? a.k - b.k : collator.compare(a.k, b.k)); });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (x) { frag.appendChild(x.r); });
        body.appendChild(frag);
      });
    })(c, heads[c]);
    apply();
  }
  var json = document.getElementById('json');
  if (json) json.addEventListener('toggle', function () {
    var pre = document.getElementById('json-text');
    if (json.open && !pre.textContent) pre.textContent = JSON.stringify(JSON.parse(document.getElementById('report-data').textContent), null, 2);
  });
  var copy = document.getElementById('json-copy');
  if (copy) copy.addEventListener('click', function () {
    var t = document.getElementById('report-data').textContent;
    if (navigator.clipboard) navigator.clipboard.writeText(t).then(function () { copy.textContent = 'copied'; });
  });
})();
`;
