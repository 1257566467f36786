// A baseline, not a product: the tutorial's main.js, ported from Vue 2 to Vue 3 (createApp
// instead of `new Vue`), with the router the article's store imports. Flaws kept on purpose.
import { createApp } from "vue";
import App from "./App.vue";
import store from "./store";
import router from "./router";
import axiosSetup from "./helpers/interceptors";

// call the axios setup method here
axiosSetup();

createApp(App).use(store).use(router).mount("#app");
