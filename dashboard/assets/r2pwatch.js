/* Clientside helpers (served from the app's assets, no CDN). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  r2pwatch: {
    /* Drop the review grid's cached blocks so it asks the server again with the new filters. */
    purgeGrid: async function () {
      try {
        const api = await dash_ag_grid.getApiAsync("review-grid");
        if (api) { api.purgeInfiniteCache(); }
      } catch (e) { /* the grid is not on this page */ }
      return Date.now();
    },
    /* Write a page's state into the URL: a new history entry per change (back/forward step through them),
       a replaced one on a page's first call (canonical form, no extra entry). */
    syncUrl: function () {
      const args = Array.prototype.slice.call(arguments);
      const spec = args.pop();
      const state = {};
      spec.keys.forEach(function (k, i) { state[k] = args[i]; });
      return r2pUrl.write(state, spec.defaults || {});
    },
    currentLocation: function () {
      return {path: window.location.pathname, search: window.location.search.replace(/^\?/, "")};
    },
    syncReviewUrl: function (filters, item, request) {
      const state = Object.assign({}, filters || {});
      if (request) {
        const sort = (request.sortModel && request.sortModel[0]) || null;
        state.sort = sort ? sort.colId + ":" + sort.sort : null;
      } else {  /* the grid has not asked yet: its sort is still the URL's */
        state.sort = new URLSearchParams(window.location.search).get("sort");
      }
      state.item = item || null;
      return r2pUrl.write(state, {flagged: true, sort: "published_at:desc"},
        ["region", "country", "indicator", "status", "feed", "from", "to", "q", "flagged", "sort", "view",
         "item"]);
    }
  }
});

window.r2pUrl = {
  page: null,
  write: function (state, defaults, order) {
    const params = new URLSearchParams();
    (order || Object.keys(state)).forEach(function (k) {
      let v = state[k];
      if (v === null || v === undefined || v === "") { return; }
      if (defaults[k] !== undefined && String(defaults[k]) === String(v)) { return; }
      if (typeof v === "boolean") { v = v ? "1" : "0"; }
      params.set(k, String(v));
    });
    const qs = params.toString();
    const url = window.location.pathname + (qs ? "?" + qs : "");
    const current = window.location.pathname + window.location.search;
    if (url !== current) {
      if (this.page === window.location.pathname) {
        window.history.pushState({r2p: true}, "", url);
      } else {
        window.history.replaceState({r2p: true}, "", url);
      }
    }
    this.page = window.location.pathname;
    return qs;
  }
};

/* Back/forward within a page whose state lives in the URL: show the view that URL names. */
window.addEventListener("popstate", function () {
  if (window.r2pUrl.page === window.location.pathname) { window.location.reload(); }
});

/* Enter on a focused row of the review grid opens that item. */
document.addEventListener("keydown", function (e) {
  if (e.key !== "Enter" || e.target.closest === undefined) { return; }
  const row = e.target.closest("#review-grid .ag-row");
  if (!row || (e.target.tagName === "INPUT" && e.target.type === "checkbox")) { return; }
  const id = parseInt(row.getAttribute("row-id"), 10);
  if (!id || !window.dash_clientside.set_props) { return; }
  e.preventDefault();
  window.dash_clientside.set_props("review-current", {data: id});
  window.dash_clientside.set_props("review-detail", {is_open: true});
});

/* "Log in" returns to the page it was clicked on, with that page's filters. */
document.addEventListener("click", function (e) {
  const link = e.target.closest ? e.target.closest("#nav-login") : null;
  if (link) {
    link.setAttribute("href", "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search));
  }
}, true);
