package dev.simsnap.devstack.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/**
 * Loads the extension in a class loader whose classpath lacks Testcontainers (the situation of a module that does
 * not declare the optional dependency): the extension must link, and {@code auto} must fall back to embedded.
 */
class WithoutTestcontainersTest {

    @Test
    void extensionLinksAndAutoMeansEmbedded() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath()) {
            if (!entry.contains("testcontainers") && !entry.contains("docker-java")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("org.testcontainers.DockerClientFactory", false, loader))
                    .isInstanceOf(ClassNotFoundException.class);

            // initialize=true links (and so verifies) every method of the extension
            Class<?> extension = Class.forName(KafkaBrokerExtension.class.getName(), true, loader);
            assertThat(extension.getDeclaredMethods()).isNotEmpty();

            Class<?> support = Class.forName(DockerSupport.class.getName(), true, loader);
            Method present = support.getDeclaredMethod("testcontainersPresent");
            present.setAccessible(true);
            assertThat(present.invoke(null)).isEqualTo(false);

            Class<?> mode = Class.forName(BrokerMode.class.getName(), true, loader);
            Method parse = mode.getDeclaredMethod("parse", String.class);
            parse.setAccessible(true);
            Method effective = mode.getDeclaredMethod("effective");
            effective.setAccessible(true);
            assertThat(effective.invoke(parse.invoke(null, "auto")).toString()).isEqualTo("EMBEDDED");
        }
    }

    // Surefire may hand the forked JVM a manifest-only jar; expand its Class-Path.
    private static List<String> classpath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("surefirebooter") && entry.endsWith(".jar")) {
                try (JarFile jar = new JarFile(entry)) {
                    String manifestPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
                    Arrays.stream(manifestPath.trim().split(" +"))
                            .map(u -> Path.of(URI.create(new File(entry).toURI().resolve(u).toString())).toString())
                            .forEach(entries::add);
                }
            } else if (!entry.isBlank()) {
                entries.add(entry);
            }
        }
        return entries;
    }
}
