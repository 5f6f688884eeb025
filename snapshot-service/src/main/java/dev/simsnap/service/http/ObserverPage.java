package dev.simsnap.service.http;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The live observer page at {@code /} (static HTML + JS from the classpath, no build step, no CDN). */
final class ObserverPage {

    private ObserverPage() {
    }

    static void register(Javalin app) {
        app.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(resource("observer/index.html")));
        app.get("/observer.js", ctx -> ctx.contentType("text/javascript; charset=utf-8")
                .result(resource("observer/observer.js")));
    }

    private static byte[] resource(String name) {
        try (InputStream in = ObserverPage.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
