// The listener's "my songs", shared by every page and kept in localStorage.
const KEY = "muse.mySongs.v1";
const MAX = 50;

class SongStore extends EventTarget {
  constructor() {
    super();
    try {
      this.songs = JSON.parse(localStorage.getItem(KEY) || "[]");
      if (!Array.isArray(this.songs)) this.songs = [];
    } catch {
      this.songs = [];
    }
  }
  has(id) {
    return this.songs.some((s) => s.track_id === id);
  }
  add(track) {
    if (this.has(track.track_id) || this.songs.length >= MAX) return false;
    const { track_id, name, artists, album, genres, features, popularity } = track;
    this.songs.push({ track_id, name, artists, album, genres, features, popularity });
    this.save();
    return true;
  }
  remove(id) {
    this.songs = this.songs.filter((s) => s.track_id !== id);
    this.save();
  }
  clear() {
    this.songs = [];
    this.save();
  }
  save() {
    try {
      localStorage.setItem(KEY, JSON.stringify(this.songs));
    } catch {
      /* private mode: keep in memory */
    }
    this.dispatchEvent(new Event("change"));
  }
}

export const store = new SongStore();
