// A baseline, not a product. The article uses a router (its store pushes { name: "home" } and
// its interceptor "/login") without showing it: this is the smallest one with those two
// routes, in vue-router 4 (createRouter instead of new VueRouter).
import { createRouter, createWebHistory } from "vue-router";
import store from "../store";
import Home from "../views/Home.vue";
import Login from "../views/Login.vue";

const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: "/", name: "home", component: Home },
    { path: "/login", name: "login", component: Login },
  ],
});

// Not in the article: without it a visitor with no token would see an empty home page. It
// reads the access token, not isAuthenticated, which logIn sets only after going home.
router.beforeEach((to) => {
  if (to.name === "home" && !store.getters.accessToken) {
    return { name: "login" };
  }
  return true;
});

export default router;
