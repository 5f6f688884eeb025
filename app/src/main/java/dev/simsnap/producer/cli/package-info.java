/** picocli commands {@code import} and {@code simulate}, plus a stand-alone {@code main}. */
package dev.simsnap.producer.cli;
