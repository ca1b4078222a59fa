// Prevents an extra console window on Windows in release.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    webkitgtk_defaults();
    mayalink_app_lib::run()
}

/// WebKitGTK's DMA-BUF renderer (the default since 2.42) opens blank windows with NVIDIA's
/// driver and some Wayland compositors, the machines many studios run Maya on; the older
/// renderer works everywhere and, measured here, keeps ~65 MB less in the web process
/// (docs/benchmarks.md). Set before GTK or any thread starts; an artist's own value (even
/// `=0`) wins. Linux only: the variable means nothing to WebView2 or WKWebView.
fn webkitgtk_defaults() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
}
