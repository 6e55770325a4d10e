import { mount } from "svelte";
import App from "./App.svelte";
import { TauriBackend } from "./lib/ipc";
import "./app.css";

// The customer display is a second window loading this bundle at `#customer`.
const window = location.hash === "#customer" ? "customer" : "main";

const app = mount(App, { target: document.getElementById("app")!, props: { backend: new TauriBackend(), window } });

export default app;
