// The pages of the web app. To add one: an entry here + a module in ./pages/ exporting
// mount(root, ctx) (and optionally unmount()). The nav and routing (#/<id>) come from this list.
export const pages = [
  { id: "discover", title: "Discover", module: "./pages/discover.js" },
  { id: "foryou", title: "For you", module: "./pages/foryou.js" },
  { id: "mood", title: "Mood diary", module: "./pages/mood.js" },
  { id: "chat", title: "Chat", module: "./pages/chat.js" },
  { id: "history", title: "History", module: "./pages/history.js" },
  { id: "popularity", title: "Popularity", module: "./pages/popularity.js" },
  { id: "map", title: "Map", module: "./pages/map.js" },
  { id: "continue", title: "Continue", module: "./pages/continue.js" },
  { id: "api", title: "API", module: "./pages/api.js" },
];
