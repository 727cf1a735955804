package dev.appl.language.diag;

/** How bad a diagnostic is; only errors make {@code applc check} fail. */
public enum Severity {
    ERROR,
    WARNING;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
