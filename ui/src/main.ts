// Entry point of Mayalink's UI: fonts, global styles, and the App component.
import "@fontsource-variable/inter";
import "@fontsource-variable/jetbrains-mono";
import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("Mayalink: #app element missing from index.html");

export default mount(App, { target });
