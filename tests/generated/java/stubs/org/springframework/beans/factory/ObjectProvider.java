package org.springframework.beans.factory;

import java.util.function.Supplier;

public interface ObjectProvider<T> {
    T getIfAvailable(Supplier<T> defaultSupplier);
}
