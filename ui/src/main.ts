import { mount } from "svelte";
import App from "./App.svelte";
import LaunchFailureScreen from "./lib/components/launch/LaunchFailureScreen.svelte";
import { TauriBackend, TauriLaunchBackend } from "./lib/ipc";
import "./app.css";

// One bundle, three windows: the till, the customer display at `#customer`, and the window a
// launch that cannot start opens at `#launch-failure`.
const target = document.getElementById("app")!;
const app =
  location.hash === "#launch-failure"
    ? mount(LaunchFailureScreen, { target, props: { backend: new TauriLaunchBackend() } })
    : mount(App, {
        target,
        props: { backend: new TauriBackend(), window: location.hash === "#customer" ? "customer" : "main" },
      });

export default app;
