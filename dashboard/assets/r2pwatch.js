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
    }
  }
});
